"""The guarantee under real concurrency: many threads, each with its own database connection,
race for one slot or one queued request; the database lets exactly the right number through."""

from __future__ import annotations

import datetime
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from signlanguage.models import Session
from tests.conftest import verify_session
from tests.signlanguage.conftest import at, next_open_day

# Overlaps of any kind, not only equal starts: two live bookings of one operator or one customer
# whose times intersect, or a slot holding more bookings than operators on shift.
OVERLAP_SQL = """
SELECT a.id, b.id FROM signlanguage_session a JOIN signlanguage_session b
  ON a.id < b.id AND a.start < b."end" AND b.start < a."end"
 AND (a.operator_id = b.operator_id OR a.customer_id = b.customer_id)
WHERE a.kind = 'booked' AND b.kind = 'booked'
  AND a.state <> 'cancelled' AND b.state <> 'cancelled'
"""
OVER_CAPACITY_SQL = """
SELECT s.start, COUNT(*) FROM signlanguage_session s
WHERE s.kind = 'booked' AND s.state <> 'cancelled'
GROUP BY s.start, s."end"
HAVING COUNT(*) > (SELECT COUNT(DISTINCT h.operator_id) FROM signlanguage_shift h
                   WHERE h.start <= s.start AND h."end" >= s."end")
"""


def invariant_violations() -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(OVERLAP_SQL)
        rows = list(cursor.fetchall())
        cursor.execute(OVER_CAPACITY_SQL)
        return rows + list(cursor.fetchall())


def race(clients: list[Client], request: Callable[[Client], Any]) -> tuple[Counter[Any], float]:
    """Run `request` once per client, all released at the same moment; returns the answers."""
    barrier = threading.Barrier(len(clients))
    answers: list[Any] = []
    lock = threading.Lock()

    def run(client: Client) -> None:
        try:
            barrier.wait()
            response = request(client)
            body = response.json()
            with lock:
                answers.append((response.status_code, body.get("error")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(answers), time.perf_counter() - started


def _clients(users: list[Any]) -> list[Client]:
    return [verify_session(Client(), user) for user in users]


def _booking_race(make_user: Any, capacity: int, rounds: int) -> list[float]:
    from signlanguage.models import Shift

    operators = [make_user("operator", skills=["written_chat"]) for _ in range(capacity)]
    members = [make_user("member") for _ in range(40)]
    clients = _clients(members)
    first_day = next_open_day()
    days = [first_day]
    while len(days) < 2:
        days.append(next_open_day((days[-1] - datetime.date.today()).days + 1))
    for operator in operators:
        for day in days:
            Shift.objects.create(operator=operator, start=at(day, "09:00"), end=at(day, "18:00"))
    starts = [at(day, f"{9 + i // 2:02d}:{30 * (i % 2):02d}") for day in days for i in range(18)]
    timings = []
    for start in starts[:rounds]:
        body = json.dumps({"mode": "written_chat", "start": start.isoformat(), "topic": "競争"})

        def book(client: Client, body: str = body) -> Any:
            return client.post("/api/v1/bookings", body, content_type="application/json")

        answers, elapsed = race(clients, book)
        timings.append(elapsed)
        assert answers == Counter({(201, None): capacity, (409, "slot_full"): 40 - capacity}), (
            start,
            answers,
        )
        assert Session.objects.filter(start=start).count() == capacity
        assert invariant_violations() == []
    return timings


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("capacity", [1, 2])
def test_forty_bookers_race_for_a_slot_on_postgresql(make_user: Any, capacity: int) -> None:
    assert connection.vendor == "postgresql"
    timings = _booking_race(make_user, capacity, rounds=20)
    print(
        f"\n[postgresql] capacity {capacity}: 20 rounds × 40 requests, "
        f"median round {sorted(timings)[10]:.2f} s, max {max(timings):.2f} s"
    )


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("capacity", [1, 2])
def test_forty_bookers_race_for_a_slot_on_sqlite(make_user: Any, capacity: int) -> None:
    timings = _booking_race(make_user, capacity, rounds=5)
    print(f"\n[sqlite] capacity {capacity}: 5 rounds × 40 requests, max round {max(timings):.2f} s")


@pytest.mark.django_db(transaction=True)
def test_twenty_operators_race_to_take_one_request(make_user: Any, senior: Any) -> None:
    now_session = Session.objects.create(
        customer=senior, booked_by=senior, mode="written_chat", kind="now", topic="至急"
    )
    operators = [make_user("operator", skills=["written_chat"]) for _ in range(20)]
    clients = _clients(operators)
    answers, _elapsed = race(clients, lambda c: c.post(f"/api/v1/queue/{now_session.pk}/take"))
    assert answers == Counter({(200, None): 1, (409, "already_taken"): 19})
    now_session.refresh_from_db()
    assert now_session.state == "active" and now_session.operator_id in {o.pk for o in operators}
