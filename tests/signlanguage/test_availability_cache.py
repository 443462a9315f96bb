"""The availability API is served from the cache, shows a booking at once, and runs a fixed
number of queries however many shifts and bookings the day has."""

from __future__ import annotations

import pytest

from access_support import speedups
from tests.signlanguage.conftest import at, post_json

pytestmark = pytest.mark.django_db


def slots_of(client, day) -> dict[str, int]:
    response = client.get(f"/api/v1/availability?mode=written_chat&date={day}")
    assert response.status_code == 200
    return {s["start"]: s["available"] for s in response.json()["slots"]}


def test_a_booking_shows_in_availability_at_once(
    signed_in, senior, make_operator, add_shift, open_day, django_capture_on_commit_callbacks
):
    add_shift(make_operator(), open_day)
    client = signed_in(senior)
    ten = at(open_day, "10:00").isoformat()
    assert slots_of(client, open_day)[ten] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            client, "/api/v1/bookings", {"mode": "written_chat", "start": ten, "topic": "明細"}
        )
    assert response.status_code == 201
    assert slots_of(client, open_day)[ten] == 0


@pytest.mark.parametrize("operators", [1, 30])
def test_availability_query_count_does_not_grow_with_the_data(
    signed_in,
    make_user,
    make_operator,
    add_shift,
    open_day,
    operators,
    django_assert_num_queries,
):
    from signlanguage.booking import services

    staff = [make_operator() for _ in range(operators)]
    for op in staff:
        add_shift(op, open_day)
    for i, _op in enumerate(staff):
        member = make_user("member")
        services.booking_create(
            customer=member,
            actor=member,
            mode="written_chat",
            start=at(open_day, "11:00"),
            topic=f"t{i}",
        )
    client = signed_in(make_user("member"))
    client.get("/api/v1/me")  # the first request after sign-in starts the idle clock (a write)
    # session, then the second-factor device with its user (one join; with SPEEDUPS=off the
    # stock middleware reads them apart, decision 0012); then shifts, bookings
    user_apart = 0 if speedups.enabled() else 1
    with django_assert_num_queries(4 + user_apart):
        first = slots_of(client, open_day)
    assert first[at(open_day, "11:00").isoformat()] == 0
    assert first[at(open_day, "12:00").isoformat()] == operators
    with django_assert_num_queries(2 + user_apart):  # cached: the session, the device and user
        assert slots_of(client, open_day) == first
