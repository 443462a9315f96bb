"""One AuditAction class: services write its members, the timeline reads its sentences, and no
audit code is a string literal elsewhere (issue 25 item 2, issue 26 item 7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone

from access_support.audit.actions import AuditAction, label

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("access_support", "proxies", "signlanguage", "supervision")
CODE = re.compile(r'"((?:auth|user|proxy|signlanguage|supervision|retention)\.[a-z_]+)"')


def test_no_audit_code_is_written_as_a_string_literal_outside_the_class():
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "actions.py":
                continue
            for code in CODE.findall(path.read_text()):
                if code in AuditAction.values:
                    found.append(f"{path.relative_to(ROOT)}: {code}")
    assert not found, found


def test_every_code_has_a_sentence_and_unknown_codes_fall_back_to_the_code():
    assert len(set(AuditAction.values)) == len(AuditAction.values)
    assert all(str(choice.label) for choice in AuditAction)
    assert label("signlanguage.session_booked") == "相談を予約しました"
    assert label("something.new") == "something.new"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "sentence"), [("ja", "相談を予約しました"), ("en", "A session was booked")]
)
def test_the_timeline_shows_a_sentence_per_event_in_the_readers_language(
    senior, operator, signed_in, language, sentence
):
    import datetime

    from signlanguage.booking import availability, services
    from signlanguage.booking.availability import JST
    from signlanguage.models import Shift

    day = timezone.localdate() + datetime.timedelta(days=3)
    while availability.is_closed_day(day):
        day += datetime.timedelta(days=1)
    start = datetime.datetime.combine(day, datetime.time(10), tzinfo=JST)
    Shift.objects.create(operator=operator, start=start.replace(hour=9), end=start.replace(hour=18))
    services.booking_create(
        actor=senior, customer=senior, mode="written_chat", start=start, topic="明細"
    )
    client = signed_in(senior)
    client.cookies["as_language"] = language
    html = client.get("/proxies/timeline/").content.decode()
    assert sentence in html
    assert "signlanguage.session_booked" not in html
