"""The .ics calendar file for a booked session (icalendar)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from signlanguage.models import Mode, Session, State


def session_ics(session: Session) -> bytes:
    cancelled = session.state == State.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//Accessible Support//signlanguage//JA")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    host = (settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".") or "localhost"
    event.add("uid", f"session-{session.pk}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.start)
    event.add("dtend", session.end)
    event.add("summary", f"Accessible Support: {Mode(session.mode).label} — {session.topic}")
    event.add("description", session.note or session.topic)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # Reschedules bump the sequence so calendars replace the old time.
    event.add("sequence", int(session.start.timestamp()) // 60 % 100000 if session.start else 0)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
