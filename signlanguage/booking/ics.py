"""The .ics calendar file for a booked session (icalendar)."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from access_support.site import site_host, site_url
from signlanguage.models import Mode, Session, State

ALARM_BEFORE = datetime.timedelta(minutes=15)


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
    # The session's own page (open the conversation, change or cancel): a link calendars show.
    page = site_url(reverse("signlanguage:detail", args=[session.pk]))
    event.add("url", page)
    event.add("description", f"{session.note or session.topic}\n\n{page}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    # Every change of the booking (a new time, a cancellation) counts up, so calendars replace
    # the event they hold (RFC 5545: a higher SEQUENCE supersedes a lower one).
    event.add("sequence", session.ics_sequence)
    if not cancelled:
        # A reminder on the device 15 minutes before, shown (never a sound alone), like the
        # 15-minute e-mail; its words in the language the file is made in.
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        alarm.add("description", _("Your session starts in 15 minutes: %(url)s") % {"url": page})
        event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
