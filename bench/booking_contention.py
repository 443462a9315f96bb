"""bench.booking_contention: bookings/s and correctness when 200 clients book across 20 slots at
once. Correctness is checked in SQL afterwards: no operator in two sessions at one start, no
customer in two, no slot over capacity. The floor (bare constant view at the same concurrency)
is measured in the same run.

    python -m bench.booking_contention [--clients 200] [--slots 20] [--operators 5]
                                       [--scenario embedded|scaleout|both] [--json]
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from bench import common
from bench.client import SignedIn, sign_in

INVARIANTS = """
import json
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT count(*) FROM (SELECT operator_id, start FROM signlanguage_session "
              "WHERE kind='booked' AND state<>'cancelled' GROUP BY operator_id, start "
              "HAVING count(*) > 1) x")
    operator_double = c.fetchone()[0]
    c.execute("SELECT count(*) FROM (SELECT customer_id, start FROM signlanguage_session "
              "WHERE kind='booked' AND state<>'cancelled' GROUP BY customer_id, start "
              "HAVING count(*) > 1) x")
    customer_double = c.fetchone()[0]
    c.execute("SELECT count(*) FROM (SELECT start FROM signlanguage_session WHERE kind='booked' "
              "AND state<>'cancelled' GROUP BY start HAVING count(*) > %s) x", [OPERATORS])
    over_capacity = c.fetchone()[0]
    c.execute("SELECT count(*) FROM signlanguage_session WHERE kind='booked' "
              "AND state<>'cancelled'")
    booked = c.fetchone()[0]
print(json.dumps({"operator_double": operator_double, "customer_double": customer_double,
                  "over_capacity": over_capacity, "booked_rows": booked}))
"""


async def run_scenario(name: str, clients: int, slots: int, operators: int) -> dict[str, Any]:
    with common.scenario(name) as sc:
        env = sc.env()
        setup = common.run_django(
            env,
            "from bench.app_fixtures import booking_setup; "
            f"print(json.dumps(booking_setup({clients}, {slots}, "
            f"{operators})))",
        )
        with common.daphne(common.scenario_floor_env(sc), 1, "bench.floor_asgi:application") as fl:
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as http:
                began = time.perf_counter()

                async def one() -> None:
                    async with http.get(fl.bases[0] + "/constant") as response:
                        await response.read()

                await asyncio.gather(*(one() for _ in range(clients)))
                floor_s = time.perf_counter() - began
        with common.daphne(env, sc.processes) as servers:
            signed: list[SignedIn] = [
                await sign_in(servers.bases[i % len(servers.bases)], m)
                for i, m in enumerate(setup["members"])
            ]
            statuses: dict[int, int] = {}
            latencies: list[float] = []

            async def book(i: int, client: SignedIn) -> None:
                started = time.perf_counter()
                status, _ = await client.post(
                    "/api/v1/bookings",
                    {
                        "mode": "written_chat",
                        "start": setup["slots"][i % slots],
                        "topic": "明細について",
                    },
                )
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

            began = time.perf_counter()
            await asyncio.gather(*(book(i, c) for i, c in enumerate(signed)))
            elapsed = time.perf_counter() - began
            for client in signed:
                await client.http.close()
        check = common.run_django(env, INVARIANTS.replace("OPERATORS", str(operators)))
    created = statuses.get(201, 0)
    return {
        "scenario": name,
        "clients": clients,
        "slots": slots,
        "capacity": slots * operators,
        "created": created,
        "slot_full": statuses.get(409, 0),
        "other": sum(v for k, v in statuses.items() if k not in (201, 409)),
        "bookings_per_s": round(created / elapsed, 1),
        "all_answered_s": round(elapsed, 2),
        **common.summarise_ms(latencies),
        "floor_all_answered_s": round(floor_s, 3),
        **check,
        "correct": check["operator_double"]
        == check["customer_double"]
        == check["over_capacity"]
        == 0
        and check["booked_rows"] == created,
    }


def main() -> None:
    args = common.parse_sizes(
        __doc__ or "", clients=(int, 200, 10), slots=(int, 20, 3), operators=(int, 5, 1)
    )
    common.run_scenarios(
        args,
        lambda name: run_scenario(name, args.clients, args.slots, args.operators),
        lambda r: None if r["correct"] else f"{r['scenario']}: bookings not correct: {r}",
    )


if __name__ == "__main__":
    main()
