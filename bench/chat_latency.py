"""bench.chat_latency: K live sessions (a customer and an operator each, signed in for real);
every customer sends M messages; latency = send → the operator receives it. Beside it, in the
same run, the floor: a bare Channels consumer relaying frames within a room on daphne.

    python -m bench.chat_latency [--sessions 100] [--messages 20] [--rate 5]
                                 [--scenario embedded|scaleout|both] [--json]
    python -m bench.chat_latency --sessions 1000 --messages 12 --rate 0.2 --scenario scaleout

Each customer starts at a random moment within its first interval (1/rate), so the sessions do
not send in step. Up to 100 sessions every user signs in through the API (password, then TOTP);
beyond that the session keys are made on the server as that sign-in leaves them (signing 2,000
users in one after another took longer than the measurement).

Scenarios: embedded (SQLite + in-memory layer, 1 daphne process) and scaleout (PostgreSQL +
Redis, 2 daphne processes behind nginx, which spreads the sockets over them; with
BENCH_FRONT=none each customer is on one process and its operator on the other).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from typing import Any

import websockets

from bench import common
from bench.client import sign_in


async def _pair_run(
    customer_ws: Any,
    operator_ws: Any,
    messages: int,
    rate: float,
    latencies: list[float],
    counts: dict[str, int],
    framed: bool,
) -> None:
    sent_at: dict[str, float] = {}
    done = asyncio.Event()
    received = 0

    async def receiver() -> None:
        nonlocal received
        async for raw in operator_ws:
            frame = json.loads(raw)
            if framed and frame.get("type") != "chat.message":
                continue
            key = frame.get("client_id")
            started = sent_at.pop(key, None)
            if started is not None:
                latencies.append(time.perf_counter() - started)
                received += 1
                if received == messages:
                    done.set()
                    return

    task = asyncio.create_task(receiver())
    await asyncio.sleep(random.uniform(0, 1 / rate))  # noqa: S311 (spreading the load)
    for _ in range(messages):
        client_id = str(uuid.uuid4())
        sent_at[client_id] = time.perf_counter()
        await customer_ws.send(
            json.dumps(
                {
                    "type": "chat.message",
                    "client_id": client_id,
                    "text": "こんにちは、明細について質問です。",
                }
            )
        )
        counts["sent"] += 1
        await asyncio.sleep(1 / rate)
    try:
        await asyncio.wait_for(done.wait(), timeout=15)
    except TimeoutError:
        pass
    task.cancel()
    counts["received"] += received


async def _drain(ws: Any) -> None:
    try:
        async for _ in ws:
            pass
    except websockets.ConnectionClosed:
        pass


async def measure(
    pairs: list[tuple[str, str, dict[str, str], dict[str, str]]],
    messages: int,
    rate: float,
    framed: bool,
) -> dict[str, Any]:
    """pairs: (customer_url, operator_url, customer_headers, operator_headers)."""
    sockets = []
    for customer_url, operator_url, customer_headers, operator_headers in pairs:
        c = await websockets.connect(
            customer_url,
            additional_headers=customer_headers,
            origin=common.origin_of(customer_url),
            max_size=2**20,
        )
        o = await websockets.connect(
            operator_url,
            additional_headers=operator_headers,
            origin=common.origin_of(operator_url),
            max_size=2**20,
        )
        sockets.append((c, o))
    await asyncio.sleep(0.5)
    drains = [asyncio.create_task(_drain(c)) for c, _ in sockets]
    latencies: list[float] = []
    counts = {"sent": 0, "received": 0}
    began = time.perf_counter()
    await asyncio.gather(
        *(_pair_run(c, o, messages, rate, latencies, counts, framed) for c, o in sockets)
    )
    elapsed = time.perf_counter() - began
    for task in drains:
        task.cancel()
    for c, o in sockets:
        await c.close()
        await o.close()
    return {
        **common.summarise_ms(latencies),
        "msgs_per_s": round(counts["received"] / elapsed, 1),
        "sent": counts["sent"],
        "lost": counts["sent"] - counts["received"],
    }


SIGN_IN_THROUGH_API_UP_TO = 100
PEOPLE = ("customer", "operator")


async def run_scenario(name: str, sessions: int, messages: int, rate: float) -> dict[str, Any]:
    with common.scenario(name) as sc:
        env = sc.env()
        server_side = sessions > SIGN_IN_THROUGH_API_UP_TO
        setup = common.run_django(
            env,
            "from bench.app_fixtures import chat_setup; "
            f"print(json.dumps(chat_setup({sessions}, server_side_sign_in={server_side})))",
        )
        with common.daphne(
            common.scenario_floor_env(sc), sc.processes, "bench.floor_asgi:application"
        ) as floor:
            ws_bases = [b.replace("http://", "ws://") for b in floor.bases]
            pairs = [
                (f"{ws_bases[0]}/ws/relay/{i}/", f"{ws_bases[-1]}/ws/relay/{i}/", {}, {})
                for i in range(sessions)
            ]
            floor_row = await measure(pairs, messages, rate, framed=False)
            floor_rss = floor.rss_bytes()
        with common.daphne(env, sc.processes) as servers:
            bases = servers.bases
            pairs = []
            clients = []
            for pair in setup["pairs"]:
                if server_side:
                    cookies = [f"sessionid={pair[who]['session_key']}" for who in PEOPLE]
                else:
                    customer = await sign_in(bases[0], pair["customer"])
                    operator = await sign_in(bases[-1], pair["operator"])
                    clients += [customer, operator]
                    cookies = [customer.cookie_header, operator.cookie_header]
                path = f"/ws/sessions/{pair['session_id']}/"
                pairs.append(
                    (
                        bases[0].replace("http://", "ws://") + path,
                        bases[-1].replace("http://", "ws://") + path,
                        {"Cookie": cookies[0]},
                        {"Cookie": cookies[1]},
                    )
                )
            row = await measure(pairs, messages, rate, framed=True)
            rss = servers.rss_bytes()
            for client in clients:
                await client.http.close()
    return {
        "scenario": name,
        "sessions": sessions,
        "messages": messages,
        "sign_in": "server" if server_side else "api",
        **row,
        "rss_mib": round(rss / 2**20, 1),
        "floor_p50_ms": floor_row["p50_ms"],
        "floor_p99_ms": floor_row["p99_ms"],
        "floor_lost": floor_row["lost"],
        "floor_rss_mib": round(floor_rss / 2**20, 1),
        "ratio_p99": round(row["p99_ms"] / floor_row["p99_ms"], 2),
    }


def main() -> None:
    args = common.parse_sizes(
        __doc__ or "",
        sessions=(int, 100, 5),
        messages=(int, 20, 5),
        rate=(float, 5, 10, "messages/s per customer"),
    )
    common.run_scenarios(
        args,
        lambda name: run_scenario(name, args.sessions, args.messages, args.rate),
        lambda r: f"{r['scenario']}: {r['lost']} messages lost" if r["lost"] else None,
    )


if __name__ == "__main__":
    main()
