"""bench.http: requests/s and p99 of the hot pages and API calls at 50 concurrent clients,
beside a bare Django view returning a constant (the floor), measured in the same run.

    python -m bench.http [--clients 50] [--seconds 10] [--scenario embedded|scaleout|both] [--json]
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bench import common
from bench.client import SignedIn, sign_in

Request = Callable[[SignedIn, int], Awaitable[int]]


async def hammer(clients: list[SignedIn], request: Request, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = itertools.count()
    stop_at = time.perf_counter() + seconds

    async def worker(client: SignedIn) -> None:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            status = await request(client, next(counter))
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    elapsed = time.perf_counter() - began
    stats = common.summarise_ms(latencies)
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": stats["p50_ms"],
        "p99_ms": stats["p99_ms"],
        "statuses": ",".join(f"{k}:{v}" for k, v in sorted(statuses.items())),
    }


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


async def run_scenario(name: str, clients: int, seconds: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with common.scenario(name) as sc:
        env = sc.env()
        setup = common.run_django(
            env, f"from bench.fixtures import http_setup; print(json.dumps(http_setup({clients})))"
        )
        with common.daphne(common.scenario_floor_env(sc), 1, "bench.floor_asgi:application") as fl:
            floor = await floor_clients(fl.bases[0], clients)
            floor_row = await hammer(floor, lambda c, n: _status(c.get("/constant")), seconds)
            connector = floor[0].http.connector
            for c in floor:
                await c.http.close()
            if connector is not None:
                await connector.close()
        project_env = sc.env("bench.project_settings")
        with common.daphne(project_env, sc.processes) as servers:
            signed = [
                await sign_in(servers.bases[i % len(servers.bases)], user)
                for i, user in enumerate(setup["operators"])
            ]
            in_project: float | None = None
            for target, request in targets(setup).items():
                row = await hammer(signed, request, seconds)
                in_project = in_project or row["rps"]  # the first target: the in-project floor
                rows.append(
                    {
                        "scenario": name,
                        "target": target,
                        **row,
                        "bare_floor_rps": floor_row["rps"],
                        "ratio_bare": round(row["rps"] / floor_row["rps"], 2),
                        "ratio_in_project": round(row["rps"] / in_project, 2),
                    }
                )
            for c in signed:
                await c.http.close()
    return rows


async def _status(awaitable: Awaitable[tuple[int, Any]]) -> int:
    return (await awaitable)[0]


def main() -> None:
    parser = common.base_parser(__doc__ or "")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    if args.quick:
        args.clients, args.seconds = 5, 1
    rows: list[dict[str, Any]] = []
    for name in common.scenarios(args.scenario):
        rows.extend(asyncio.run(run_scenario(name, args.clients, args.seconds)))
    failures = [
        f"{r['scenario']} {r['target']}: answers {r['statuses']}"
        for r in rows
        if any(not s.startswith("2") for s in str(r["statuses"]).split(",") if s)
    ]
    common.finish(rows, args.json, failures)


if __name__ == "__main__":
    main()
