"""bench.http: requests/s and p99 of the hot pages and API calls at 50 concurrent clients,
beside a bare Django view returning a constant (the floor), measured in the same run.

The floor is measured in turns with each target (floor, target, floor, target: a quarter of the
time each, both servers up throughout), so a machine that speeds up or slows down during a run
moves both sides of each ratio alike. On this machine the bare floor alone moved between 531 and
748 req/s within one hour; measured once at the start it made a late target's ratio a guess.

Each scenario runs twice: with the speedups on and off (`SPEEDUPS`, access_support/speedups),
the floor served on the same path as the project in each mode (bench/floor_settings.py).

    python -m bench.http [--clients 50] [--seconds 10] [--scenario embedded|scaleout|both]
                         [--speedups on|off|both] [--json]
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp

from bench import common
from bench.client import SignedIn, sign_in

Request = Callable[[SignedIn, int], Awaitable[int]]


class Tally:
    """Requests answered over one or more turns: latencies, answers and time spent."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.elapsed = 0.0

    def summary(self) -> dict[str, Any]:
        stats = common.summarise_ms(self.latencies)
        return {
            "requests": len(self.latencies),
            "rps": round(len(self.latencies) / self.elapsed, 1) if self.elapsed else 0.0,
            "p50_ms": stats["p50_ms"],
            "p99_ms": stats["p99_ms"],
            "statuses": ",".join(f"{k}:{v}" for k, v in sorted(self.statuses.items())),
        }


async def hammer(
    clients: list[SignedIn], request: Request, seconds: float, tally: Tally, counter: Iterator[int]
) -> None:
    """`clients` send `request` back to back for `seconds`; the answers are added to `tally`.
    `counter` numbers the requests across turns."""
    latencies, statuses = tally.latencies, tally.statuses
    stop_at = time.perf_counter() + seconds

    async def worker(client: SignedIn) -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            status = await request(client, next(counter))
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    tally.elapsed += time.perf_counter() - began


async def in_turns(
    target: tuple[list[SignedIn], Request],
    floor: tuple[list[SignedIn], Request],
    seconds: float,
    turns: int = 2,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The floor and the target, each for `seconds` in all, in alternating turns (the floor
    first): returns (target summary, floor summary)."""
    tallies = Tally(), Tally()
    counters = itertools.count(), itertools.count()
    for _ in range(turns):
        await hammer(*floor, seconds / turns, tallies[1], counters[1])
        await hammer(*target, seconds / turns, tallies[0], counters[0])
    return tallies[0].summary(), tallies[1].summary()


async def floor_clients(base: str, count: int) -> list[SignedIn]:
    connector = aiohttp.TCPConnector(limit=0)
    return [
        SignedIn(aiohttp.ClientSession(connector=connector, connector_owner=False), base, "")
        for _ in range(count)
    ]


def targets(setup: dict[str, Any]) -> dict[str, Request]:
    async def home(client: SignedIn, n: int) -> int:
        return (await client.get("/"))[0]

    async def availability(client: SignedIn, n: int) -> int:
        return (await client.get(f"/api/v1/availability?mode=written_chat&date={setup['date']}"))[0]

    async def authorization_check(client: SignedIn, n: int) -> int:
        # Every check is a first use of a live code (codes are single-use).
        check = setup["checks"][n]
        body = {**check, "action": "inquiry.points"}
        return (await client.post("/api/v1/authorizations/check", body))[0]

    async def project_constant(client: SignedIn, n: int) -> int:
        return (await client.get("/bench/constant"))[0]

    found: dict[str, Request] = {"project_constant": project_constant, "home": home}
    if setup.get("date"):
        found["availability"] = availability
    if setup.get("checks"):
        found["authorization_check"] = authorization_check
    return found


async def run_scenario(
    name: str, clients: int, seconds: float, speedups: str = "on"
) -> list[dict[str, Any]]:
    """Every target in scenario `name`, beside its floor, with the speedups `on` or `off` (the
    project's servers and the floor alike)."""
    os.environ["SPEEDUPS"] = speedups
    rows: list[dict[str, Any]] = []
    with common.scenario(name) as sc:
        env = sc.env()
        setup = common.run_django(
            env, f"from bench.fixtures import http_setup; print(json.dumps(http_setup({clients})))"
        )
        project_env = sc.env("bench.project_settings")
        with (
            common.daphne(common.scenario_floor_env(sc), 1, "bench.floor_asgi:application") as fl,
            common.daphne(project_env, sc.processes) as servers,
        ):
            floor = await floor_clients(fl.bases[0], clients)
            signed = [
                await sign_in(servers.bases[i % len(servers.bases)], user)
                for i, user in enumerate(setup["operators"])
            ]
            in_project: float | None = None
            for target, request in targets(setup).items():
                row, floor_row = await in_turns((signed, request), (floor, _floor_request), seconds)
                in_project = in_project or row["rps"]  # the first target: the in-project floor
                rows.append(
                    {
                        "scenario": name,
                        "speedups": speedups,
                        "target": target,
                        **row,
                        "bare_floor_rps": floor_row["rps"],
                        "floor_statuses": floor_row["statuses"],
                        "ratio_bare": round(row["rps"] / floor_row["rps"], 2),
                        "ratio_in_project": round(row["rps"] / in_project, 2),
                    }
                )
            connector = floor[0].http.connector
            for c in [*signed, *floor]:
                await c.http.close()
            if connector is not None:
                await connector.close()
    return rows


async def _status(awaitable: Awaitable[tuple[int, Any]]) -> int:
    return (await awaitable)[0]


async def _floor_request(client: SignedIn, n: int) -> int:
    return await _status(client.get("/constant"))


def main() -> None:
    # --quick: turns of 0.25 s, enough to catch an error.
    args = common.parse_sizes(
        __doc__ or "",
        clients=(int, 50, 5),
        seconds=(float, 10, 0.5),
        speedups=(str, "both", "both", "on, off or both (default both: each scenario twice)"),
    )
    if args.speedups not in {"on", "off", "both"}:
        raise SystemExit("--speedups must be on, off or both")
    modes = ["on", "off"] if args.speedups == "both" else [args.speedups]
    rows: list[dict[str, Any]] = []
    for name in common.scenarios(args.scenario):
        for mode in modes:
            rows.extend(asyncio.run(run_scenario(name, args.clients, args.seconds, mode)))
    failures = [
        f"{r['scenario']} speedups {r['speedups']} {r['target']}: answers {r['statuses']}, "
        f"floor {r['floor_statuses']}"
        for r in rows
        if any(
            not s.startswith("2") for s in f"{r['statuses']},{r['floor_statuses']}".split(",") if s
        )
    ]
    common.finish(rows, args.json, failures)


if __name__ == "__main__":
    main()
