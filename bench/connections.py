"""bench.connections: how many idle-but-authenticated session sockets one daphne process holds,
the RSS per connection, and the time to accept 1,000 connections — beside the floor (the bare
relay consumer) in the same run.

    python -m bench.connections [--sockets 1000] [--scenario embedded|scaleout|both] [--json]
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import websockets

from bench import common
from bench.client import sign_in


async def open_many(
    url: str, count: int, headers: dict[str, str], batch: int = 100
) -> tuple[list[Any], float, int]:
    sockets: list[Any] = []
    failures = 0
    began = time.perf_counter()
    for offset in range(0, count, batch):
        results = await asyncio.gather(
            *(
                websockets.connect(
                    url,
                    additional_headers=headers,
                    origin=common.origin_of(url),
                    open_timeout=30,
                    ping_interval=None,
                )
                for _ in range(min(batch, count - offset))
            ),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                failures += 1
            else:
                sockets.append(result)
    return sockets, time.perf_counter() - began, failures


async def still_open(sockets: list[Any]) -> int:
    await asyncio.sleep(2)
    return sum(1 for s in sockets if s.state.name == "OPEN")


async def measure(
    url: str, count: int, headers: dict[str, str], servers: common.Servers
) -> dict[str, Any]:
    await asyncio.sleep(1)
    rss_before = servers.rss_bytes()
    sockets, elapsed, failures = await open_many(url, count, headers)
    alive = await still_open(sockets)
    rss_after = servers.rss_bytes()
    for s in sockets:
        await s.close()
    return {
        "opened": len(sockets),
        "failed": failures,
        "open_after_2s": alive,
        "accept_s": round(elapsed, 2),
        "rss_base_mib": round(rss_before / 2**20, 1),
        "rss_per_socket_kib": round((rss_after - rss_before) / max(1, len(sockets)) / 1024, 1),
    }


async def run_scenario(name: str, count: int) -> dict[str, Any]:
    with common.scenario(name) as sc:
        env = sc.env()
        setup = common.run_django(
            env, "from bench.app_fixtures import chat_setup; print(json.dumps(chat_setup(1)))"
        )
        with common.daphne(common.scenario_floor_env(sc), 1, "bench.floor_asgi:application") as fl:
            floor = await measure(
                fl.bases[0].replace("http://", "ws://") + "/ws/relay/idle/", count, {}, fl
            )
        with common.daphne(env, 1) as servers:
            pair = setup["pairs"][0]
            customer = await sign_in(servers.bases[0], pair["customer"])
            url = (
                servers.bases[0].replace("http://", "ws://") + f"/ws/sessions/{pair['session_id']}/"
            )
            row = await measure(url, count, {"Cookie": customer.cookie_header}, servers)
            await customer.http.close()
    return {
        "scenario": name,
        **row,
        **{
            f"floor_{k}": v
            for k, v in floor.items()
            if k in ("opened", "accept_s", "rss_per_socket_kib")
        },
    }


def main() -> None:
    args = common.parse_sizes(__doc__ or "", sockets=(int, 1000, 50))
    common.run_scenarios(
        args,
        lambda name: run_scenario(name, args.sockets),
        lambda r: (
            None
            if r["opened"] == args.sockets
            else f"{r['scenario']}: {r['opened']} of {args.sockets} sockets opened"
        ),
    )


if __name__ == "__main__":
    main()
