"""The .ics calendar file for a booked session (icalendar)."""

from __future__ import annotations

from django.utils import timezone
from icalendar import Calendar, Event

from access_support.site import site_host
from signlanguage.models import Mode, Session, State


def session_ics(session: Session) -> bytes:
    cancelled = session.state == State.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//Accessible Support//signlanguage//JA")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"session-{session.pk}@{site_host()}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.start)
    event.add("dtend", session.end)
    event.add("summary", f"Accessible Support: {Mode(session.mode).label} — {session.topic}")
    event.add("description", session.note or session.topic)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # Every change of the booking (a new time, a cancellation) counts up, so calendars replace
    # the event they hold (RFC 5545: a higher SEQUENCE supersedes a lower one).
    event.add("sequence", session.ics_sequence)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
