"""This app's notices in the notification centre (issue 21 item 5): bookings made, changed,
cancelled and reminded, a talk-now request taken. Each booking change also has its own e-mail
(services.send_session_email), so these notices are in-app only; the kinds are registered in
SignLanguageConfig.ready()."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from access_support.formatting import format_datetime
from access_support.notifications import services as notifications
from proxies import selectors as proxy_selectors
from proxies import services as proxy_services
from signlanguage.models import Kind, Mode, Session

# Booking events of services._booking_changed → notice kinds.
BOOKING_KINDS = {
    "booked": "booking.made",
    "rescheduled": "booking.changed",
    "cancelled": "booking.cancelled",
}


def _values(params: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    start = params.get("start")
    if start:
        values["when"] = format_datetime(datetime.datetime.fromisoformat(start))
    mode = params.get("mode")
    if mode in Mode.values:
        values["mode"] = str(Mode(mode).label)
    return values


def _detail(params: dict[str, Any]) -> str | None:
    session_id = params.get("session_id")
    return reverse("signlanguage:detail", args=[session_id]) if session_id else None


def _live(params: dict[str, Any]) -> str | None:
    session_id = params.get("session_id")
    return reverse("signlanguage:live-session", args=[session_id]) if session_id else None


def kinds() -> dict[str, notifications.Kind]:
    def booking(text: Any, plain: Any, **extra: Any) -> notifications.Kind:
        return notifications.Kind(text=text, plain=plain, values=_values, link=_detail, **extra)

    return {
        "booking.made": booking(
            _("Your session is booked: %(when)s, %(mode)s."),
            pgettext_lazy("plain", "Your session is booked: %(when)s, %(mode)s."),
        ),
        "booking.by_proxy": booking(
            _("%(proxy)s booked a session for you: %(when)s, %(mode)s."),
            pgettext_lazy("plain", "%(proxy)s booked a session for you: %(when)s, %(mode)s."),
            action=proxy_services.disown_action,
        ),
        "booking.changed": booking(
            _("Your booked session has changed: now %(when)s, %(mode)s."),
            pgettext_lazy("plain", "Your booked session has changed: now %(when)s, %(mode)s."),
        ),
        "booking.cancelled": booking(
            _("Your booked session of %(when)s is cancelled."),
            pgettext_lazy("plain", "Your booked session of %(when)s is cancelled."),
        ),
        "booking.reminded": booking(
            _("Reminder: your session is at %(when)s, %(mode)s."),
            pgettext_lazy("plain", "Reminder: your session is at %(when)s, %(mode)s."),
        ),
        "queue.taken": notifications.Kind(
            text=_("An operator has taken your request. Your conversation has started."),
            plain=pgettext_lazy(
                "plain", "An operator has taken your request. Your conversation has started."
            ),
            link=_live,
        ),
        "session.started": notifications.Kind(
            text=_("Your booked session of %(when)s has started: the operator is waiting."),
            plain=pgettext_lazy(
                "plain", "Your booked session of %(when)s has started: the operator is waiting."
            ),
            values=_values,
            link=_live,
        ),
    }


def _params(session: Session) -> dict[str, Any]:
    params: dict[str, Any] = {"session_id": session.pk, "mode": session.mode}
    if session.start is not None:
        params["start"] = session.start.isoformat()
    return params


def booking_changed(session: Session, actor: Any, event: str) -> None:
    """Tell the customer of a booking change (in its transaction; the live count after commit).
    A proxy's booking is said as theirs, with the member's "this wasn't me"."""
    if session.kind != Kind.BOOKED:
        return
    customer = session.customer
    kind = BOOKING_KINDS.get(event, "booking.changed")
    params = _params(session)
    if kind == "booking.made" and actor.pk != customer.pk and getattr(actor, "is_proxy", False):
        grant = proxy_selectors.grant_between(actor, customer)
        if grant is not None:
            kind = "booking.by_proxy"
            params.update(proxy=grant.proxy_display_name, grant_id=grant.pk, by_proxy=True)
            if grant.proxy_reading:
                params["readings"] = {grant.proxy_display_name: grant.proxy_reading}
    notifications.notify(customer, kind, email=False, **params)


def reminded(session: Session) -> None:
    notifications.notify(session.customer, "booking.reminded", email=False, **_params(session))


def queue_taken(session: Session) -> None:
    notifications.notify(session.customer, "queue.taken", email=False, session_id=session.pk)


def session_started(session: Session) -> None:
    """A booked session's operator is there: the customer is told once (in-app, live)."""
    from access_support.notifications.models import Notice
    from signlanguage.models import State

    if session.kind != Kind.BOOKED or session.state not in (State.WAITING, State.ACTIVE):
        return
    told = Notice.objects.filter(
        user_id=session.customer_id, kind="session.started", params__session_id=session.pk
    ).exists()
    if not told:
        notifications.notify(session.customer, "session.started", email=False, **_params(session))
