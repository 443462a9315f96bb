"""The one way to tell a person something (issue 21 item 5; docs/websocket.md "Notices").

    notify(user, "booking.made", when="12月7日(月) 11:00")

writes the in-app notice, raises the person's unread count (User.unread_notices, the header's
number), tells every open page of theirs over the channel layer once the change commits (any
process: the user's group, access_support.events), and e-mails them in their language when the
kind has an e-mail subject and the caller does not say `email=False` (the news already has its
own e-mail, say). The core names no app: each app registers its kinds (the wording, the page a
notice leads to, its one action) with `register` in its AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from access_support import events, mail
from access_support.accounts import reading
from access_support.accounts.models import User
from access_support.notifications.models import Notice
from access_support.site import site_url

PAGE_SIZE = 50


@dataclass(frozen=True)
class Action:
    """A notice's one action: a button that posts to `url` (the app's own view, which checks
    who may and does it through the app's service)."""

    label: Any
    url: str
    # Said once done (the notice's acted_at is set).
    done: Any


@dataclass(frozen=True)
class Kind:
    # "%(name)s" placeholders filled from the notice's params (and `values`).
    text: Any
    # The same sentence in plain Japanese: `pgettext_lazy("plain", <the same msgid>)`, shown to
    # a reader who chose plain Japanese (docs/decisions/0005).
    plain: Any = None
    # The e-mail's subject; None: in-app only.
    subject: Any = None
    # Values computed when the text is written (a label in the reader's language, say).
    values: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # The path of the page the notice is about.
    link: Callable[[dict[str, Any]], str | None] | None = None
    # The notice's one action (None: none, or not for this notice).
    action: Callable[[Notice], Action | None] | None = None


KINDS: dict[str, Kind] = {}


def register(kinds: dict[str, Kind]) -> None:
    KINDS.update(kinds)


class _Blank(dict[str, Any]):
    """A placeholder a notice's params lack reads as empty, never as an error."""

    def __missing__(self, key: str) -> str:
        return ""


def text_of(kind: str, params: dict[str, Any], plain: bool | None = None) -> str:
    """The notice's sentence in the active language; in plain Japanese for a reader who chose it
    (`plain`; by default the page being answered: reading.plain_now)."""
    spec = KINDS.get(kind)
    if spec is None:
        return kind
    values = _Blank(params)
    if spec.values is not None:
        values.update(spec.values(params))
    if plain is None:
        plain = reading.plain_now()
    text = spec.plain if plain and spec.plain is not None else spec.text
    return str(text) % values


def link_of(kind: str, params: dict[str, Any]) -> str | None:
    spec = KINDS.get(kind)
    if spec is None or spec.link is None:
        return None
    return spec.link(params)


def action_of(notice: Notice) -> Action | None:
    spec = KINDS.get(notice.kind)
    if spec is None or spec.action is None:
        return None
    return spec.action(notice)


def notify(user: User, kind: str, *, email: bool = True, **params: Any) -> Notice:
    """Write the notice, count it unread and tell the person's open pages after commit; e-mail
    it in their language when the kind has a subject (and `email`)."""
    with transaction.atomic():
        notice = Notice.objects.create(user=user, kind=kind, params=params)
        User.objects.filter(pk=user.pk).update(unread_notices=F("unread_notices") + 1)
    events.send_to_user_on_commit(user.pk, {"type": "notices.changed", "notice_id": notice.pk})
    spec = KINDS.get(kind)
    if email and spec is not None and spec.subject is not None and user.email:
        _email(user, kind, params, spec)
    return notice


def dear(name: str) -> str:
    """The greeting line in the active language (山田 花子 様 / Dear 山田 花子,)."""
    return gettext("Dear %(name)s,") % {"name": name}


def _email(user: User, kind: str, params: dict[str, Any], spec: Kind) -> None:
    with mail.writing_to(user) as reader:
        text = text_of(kind, params, plain=reader.plain)
        path = link_of(kind, params)
        link = f"{site_url(path)}\n\n" if path else ""
        body = f"{dear(user.name)}\n\n{text}\n\n{link}{mail.BRAND}\n"
        subject = mail.subject(str(spec.subject))
    address = user.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [address]))


def notices_of(user: Any) -> QuerySet[Notice]:
    """Every notice of `user`, newest first (the page shows them PAGE_SIZE at a time)."""
    return Notice.objects.filter(user=user).order_by("-created_at", "-id")


def notices_for(user: Any, limit: int = PAGE_SIZE) -> list[Notice]:
    return list(notices_of(user)[:limit])


def unread_count(user_id: int) -> int:
    count = User.objects.filter(pk=user_id).values_list("unread_notices", flat=True).first()
    return int(count or 0)


@transaction.atomic
def mark_read(*, user: User, notice_id: int | None = None) -> int:
    """Mark one notice (or all) of `user` read; returns the unread count after. The user row is
    locked, so a notice written meanwhile is counted exactly once."""
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
    unread = Notice.objects.filter(user=user, read_at__isnull=True)
    (unread if notice_id is None else unread.filter(pk=notice_id)).update(read_at=timezone.now())
    count = unread.count()
    User.objects.filter(pk=user.pk).update(unread_notices=count)
    user.unread_notices = count
    events.send_to_user_on_commit(user.pk, {"type": "notices.changed", "notice_id": None})
    return count


def mark_acted(notice: Notice) -> bool:
    """Record that the notice's action was taken (once): False if it had been already."""
    now = timezone.now()
    changed = Notice.objects.filter(pk=notice.pk, acted_at__isnull=True).update(acted_at=now)
    if changed:
        notice.acted_at = now
    return bool(changed)


def _stop_recovery(notice: Notice) -> Action | None:
    return Action(
        label=reading.wording(_("Not you? Stop it"), pgettext_lazy("plain", "Not you? Stop it")),
        url=reverse("notifications:stop-recovery", args=[notice.pk]),
        done=reading.wording(
            _("Stopped: nobody can reset your sign-in with that request."),
            pgettext_lazy("plain", "Stopped: nobody can reset your sign-in with that request."),
        ),
    )


# Kinds of the core itself.
register(
    {
        "recovery.requested": Kind(
            text=_(
                "Someone asked to reset your sign-in (all sign-in methods lost). If it was you, "
                "you need do nothing. If it was not you, stop it now and change your password."
            ),
            plain=pgettext_lazy(
                "plain",
                "Someone asked to reset your sign-in (all sign-in methods lost). If it was you, "
                "you need do nothing. If it was not you, stop it now and change your password.",
            ),
            action=_stop_recovery,
        ),
        "account.new_device": Kind(
            text=_(
                "Someone signed in to your account from a browser or device not used before "
                "(%(device)s). If it was not you, change your password now and contact us."
            ),
            plain=pgettext_lazy(
                "plain",
                "Someone signed in to your account from a browser or device not used before "
                "(%(device)s). If it was not you, change your password now and contact us.",
            ),
            subject=_("A sign-in from a new device"),
            link=lambda params: "/accounts/security/",
        ),
    }
)
