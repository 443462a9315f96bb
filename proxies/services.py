"""Senior Support state changes: one function per transition, each checking who may do it,
writing the audit event and telling the member (e-mail + in-app notice)."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from access_support import events, mail
from access_support.accounts import reading
from access_support.accounts.models import User
from access_support.accounts.name_reading import clean_name_reading
from access_support.audit import services as audit
from access_support.audit.actions import AuditAction
from access_support.domain import Decision, DomainError
from access_support.masking import mask_card_numbers
from access_support.notifications import services as notifications
from access_support.speedups.queries import Update
from proxies import policies, selectors
from proxies.models import (
    OPEN_STATES,
    PROCEDURE_SCOPES,
    Grant,
    GrantState,
    Procedure,
    ProcedureKind,
    ProcedureMessage,
    ProcedureStatus,
    VerificationCode,
)
from proxies.scopes import ACTIONS, SCOPES, normalise_relationship, ordered_scopes

INVITATION_DAYS = 7
CODE_LENGTH = 8
CODE_MINUTES = 10
# No look-alikes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
DESK_WINDOW_SECONDS = 10 * 60
DESK_LOCK_SECONDS = 15 * 60


class GrantError(DomainError):
    """A refused change of a grant, a code or a procedure."""


def max_grants() -> int:
    return int(getattr(settings, "PROXY_MAX_GRANTS", 3))


# --- notifying the member -----------------------------------------------------------------

NOTICE_TEXTS: dict[str, Any] = {
    "grant.invited": _("You registered %(proxy)s as your proxy. We sent them an invitation."),
    "grant.accepted": _("%(proxy)s accepted the invitation. Our staff will now check it."),
    "grant.declined": _("%(proxy)s declined the invitation."),
    "grant.approved": _("%(proxy)s can now act for you."),
    "grant.rejected": _("We could not approve %(proxy)s as your proxy. Reason: %(reason)s"),
    "grant.revoked": _("%(proxy)s can no longer act for you."),
    "grant.suspended": _("%(proxy)s is paused and cannot act for you for now."),
    "grant.resumed": _("%(proxy)s can act for you again."),
    "grant.expired": _(
        "The registration of %(proxy)s has ended (end date or invitation time limit passed)."
    ),
    "grant.scopes_changed": _("You changed what %(proxy)s may do for you."),
    "procedure.filed": _("%(proxy)s filed a request for you: %(procedure)s."),
    "procedure.claimed": _(
        "The request for %(member)s (%(procedure)s): our staff have started on it."
    ),
    "procedure.question": _(
        "The request for %(member)s (%(procedure)s): our staff have a question. "
        "Please answer it on the request's page."
    ),
    "procedure.answered": _(
        "The request for %(member)s (%(procedure)s): %(proxy)s answered our staff's question."
    ),
    "procedure.done": _("The request for %(member)s (%(procedure)s) is done."),
    "procedure.declined": _(
        "The request for %(member)s (%(procedure)s) was declined. Reason: %(reason)s"
    ),
    "grant.proxy_bookings": _(
        "%(proxy)s had booked these sessions for you. They stay booked for you: %(items)s"
    ),
}

# The same sentences in plain Japanese (decision 0005), shown to a reader who chose it.
NOTICE_PLAIN: dict[str, Any] = {
    "grant.invited": pgettext_lazy(
        "plain", "You registered %(proxy)s as your proxy. We sent them an invitation."
    ),
    "grant.accepted": pgettext_lazy(
        "plain", "%(proxy)s accepted the invitation. Our staff will now check it."
    ),
    "grant.declined": pgettext_lazy("plain", "%(proxy)s declined the invitation."),
    "grant.approved": pgettext_lazy("plain", "%(proxy)s can now act for you."),
    "grant.rejected": pgettext_lazy(
        "plain", "We could not approve %(proxy)s as your proxy. Reason: %(reason)s"
    ),
    "grant.revoked": pgettext_lazy("plain", "%(proxy)s can no longer act for you."),
    "grant.suspended": pgettext_lazy(
        "plain", "%(proxy)s is paused and cannot act for you for now."
    ),
    "grant.resumed": pgettext_lazy("plain", "%(proxy)s can act for you again."),
    "grant.expired": pgettext_lazy(
        "plain",
        "The registration of %(proxy)s has ended (end date or invitation time limit passed).",
    ),
    "grant.scopes_changed": pgettext_lazy("plain", "You changed what %(proxy)s may do for you."),
    "procedure.filed": pgettext_lazy("plain", "%(proxy)s filed a request for you: %(procedure)s."),
    "procedure.claimed": pgettext_lazy(
        "plain", "The request for %(member)s (%(procedure)s): our staff have started on it."
    ),
    "procedure.question": pgettext_lazy(
        "plain",
        "The request for %(member)s (%(procedure)s): our staff have a question. "
        "Please answer it on the request's page.",
    ),
    "procedure.answered": pgettext_lazy(
        "plain",
        "The request for %(member)s (%(procedure)s): %(proxy)s answered our staff's question.",
    ),
    "procedure.done": pgettext_lazy("plain", "The request for %(member)s (%(procedure)s) is done."),
    "procedure.declined": pgettext_lazy(
        "plain", "The request for %(member)s (%(procedure)s) was declined. Reason: %(reason)s"
    ),
    "grant.proxy_bookings": pgettext_lazy(
        "plain", "%(proxy)s had booked these sessions for you. They stay booked for you: %(items)s"
    ),
}

# What else the member should hear when a proxy's grant ends or pauses — the sessions that proxy
# booked, say. Apps above this one (which this one may not import) register a listener in their
# AppConfig.ready(); each returns short, language-neutral lines (dates and times).
GrantEndedListener = Callable[[Grant], list[str]]
GRANT_ENDED_LISTENERS: list[GrantEndedListener] = []


def on_grant_ended(listener: GrantEndedListener) -> GrantEndedListener:
    if listener not in GRANT_ENDED_LISTENERS:
        GRANT_ENDED_LISTENERS.append(listener)
    return listener


def _tell_member_what_stays(grant: Grant) -> None:
    if grant.proxy_id is None:
        return
    items = [line for listener in GRANT_ENDED_LISTENERS for line in listener(grant)]
    if items:
        _notify(grant.member, "grant.proxy_bookings", grant, items=", ".join(items))


def _notice_values(params: dict[str, Any]) -> dict[str, Any]:
    if "procedure_kind" in params:
        return {"procedure": str(ProcedureKind(params["procedure_kind"]).label)}
    return {}


def _notice_link(params: dict[str, Any]) -> str | None:
    if "procedure_id" in params:
        # The request's own page, where the customer reads the history and answers.
        return reverse("proxies:procedure", args=[params["procedure_id"]])
    return None


def disown_action(notice: Any) -> notifications.Action | None:
    """A proxy's action in the member's name: the member's one tap says it was not theirs
    (proxy_action_disown)."""
    if not notice.params.get("by_proxy") or not notice.params.get("grant_id"):
        return None
    return notifications.Action(
        label=reading.wording(
            _("This wasn't me: pause this proxy"),
            pgettext_lazy("plain", "This wasn't me: pause this proxy"),
        ),
        url=reverse("proxies:notice-disown", args=[notice.pk]),
        done=reading.wording(
            _("You told us this wasn't you: the proxy is paused and our staff will contact you."),
            pgettext_lazy(
                "plain",
                "You told us this wasn't you: the proxy is paused and our staff will contact you.",
            ),
        ),
    )


# Kinds whose notice reports something a proxy did in the member's name.
DISOWNABLE = ("procedure.filed", "procedure.answered", "booking.by_proxy")


def notice_kinds() -> dict[str, notifications.Kind]:
    """This app's notices for the notification centre (registered in ProxiesConfig.ready())."""
    subject = _("Senior Support notice")
    return {
        kind: notifications.Kind(
            text=text,
            plain=NOTICE_PLAIN[kind],
            subject=subject,
            values=_notice_values,
            link=_notice_link,
            action=disown_action if kind in DISOWNABLE else None,
        )
        for kind, text in NOTICE_TEXTS.items()
    }


def notice_text(kind: str, params: dict[str, Any], plain: bool | None = None) -> str:
    return notifications.text_of(kind, params, plain=plain)


def _notify(recipient: User, kind: str, grant: Grant | None, **params: Any) -> None:
    """In-app notice now (the notification centre); the e-mail, in the recipient's language,
    once the change commits."""
    named: list[tuple[str, str]] = []
    if grant is not None:
        params.setdefault("proxy", grant.proxy_display_name)
        params["grant_id"] = grant.pk
        # The proxy's reading: their own, or the member's for a proxy still invited.
        named.append((grant.proxy_display_name, grant.proxy_reading))
    named += [(person.name, person.name_reading) for person in params.pop("people", []) if person]
    params.update(_readings(named))
    notifications.notify(recipient, kind, **params)


def _readings(named: list[tuple[str, str]]) -> dict[str, Any]:
    """How each name in a notice is read (furigana over it in the notification centre), as the
    notice's `readings` parameter; nothing when no name has a stored reading."""
    readings = {name: name_reading for name, name_reading in named if name_reading}
    return {"readings": readings} if readings else {}


def _dear(name: str) -> str:
    """The greeting line in the active language (山田 花子 様 / Dear 山田 花子,)."""
    return str(_("Dear %(name)s,")) % {"name": name}


# --- notifying the proxy (issue 26 item 5): approved, paused, ended, scopes changed, expired ----

PROXY_NOTICE_TEXTS: dict[str, Any] = {
    "approved": _(
        "Your registration as the proxy of %(member)s is approved. You can now act for them."
    ),
    "suspended": _(
        "%(who)s paused your registration as the proxy of %(member)s. "
        "Until it is resumed you cannot act for them, and an open page for them stops working."
    ),
    "revoked": _(
        "%(who)s ended your registration as the proxy of %(member)s. "
        "You can no longer act for them, and an open page for them stops working."
    ),
    "scopes_changed": _(
        "%(who)s changed what you may do for %(member)s. "
        "The page of your registration shows what you may do now."
    ),
    "expired": _(
        "Your registration as the proxy of %(member)s has ended: its end date has passed. "
        "You can no longer act for them."
    ),
}

PROXY_NOTICE_PLAIN: dict[str, Any] = {
    "approved": pgettext_lazy(
        "plain",
        "Your registration as the proxy of %(member)s is approved. You can now act for them.",
    ),
    "suspended": pgettext_lazy(
        "plain",
        "%(who)s paused your registration as the proxy of %(member)s. "
        "Until it is resumed you cannot act for them, and an open page for them stops working.",
    ),
    "revoked": pgettext_lazy(
        "plain",
        "%(who)s ended your registration as the proxy of %(member)s. "
        "You can no longer act for them, and an open page for them stops working.",
    ),
    "scopes_changed": pgettext_lazy(
        "plain",
        "%(who)s changed what you may do for %(member)s. "
        "The page of your registration shows what you may do now.",
    ),
    "expired": pgettext_lazy(
        "plain",
        "Your registration as the proxy of %(member)s has ended: its end date has passed. "
        "You can no longer act for them.",
    ),
}


def proxy_notice_text(
    kind: str, *, member: str, by_member: bool, reason: str = "", plain: bool | None = None
) -> str:
    """The sentence the proxy reads when their grant changes, in the active language; in plain
    Japanese for a reader who chose it (`plain`; by default the page being answered)."""
    if plain is None:
        plain = reading.plain_now()
    if plain:
        who = (
            pgettext_lazy("plain", "The member")
            if by_member
            else pgettext_lazy("plain", "Our staff")
        )
        text = str(PROXY_NOTICE_PLAIN[kind]) % {"member": member, "who": who}
        because = pgettext_lazy("plain", "Reason: %(reason)s")
    else:
        who = _("The member") if by_member else _("Our staff")
        text = str(PROXY_NOTICE_TEXTS[kind]) % {"member": member, "who": who}
        because = _("Reason: %(reason)s")
    if reason:
        text += " " + str(because) % {"reason": reason}
    return text


def _notify_proxy(grant: Grant, kind: str, *, actor: User | None, reason: str = "") -> None:
    """E-mail the proxy, in their language, once the change commits. Nothing without an
    account: before acceptance the proxy has only the invitation."""
    proxy = grant.proxy
    if proxy is None:
        return
    member = unlinkable(grant.member.name)
    by_member = actor is not None and actor.pk == grant.member_id
    why = unlinkable(reason.strip())
    # The same news in the proxy's notification centre (the e-mail below is its e-mail).
    notifications.notify(
        proxy,
        f"proxy.{kind}",
        email=False,
        which=kind,
        member=member,
        by_member=by_member,
        reason=why,
        grant_id=grant.pk,
        **_readings([(grant.member.name, grant.member.name_reading)]),
    )
    if not proxy.email:
        return
    with mail.writing_to(proxy) as reader:
        text = proxy_notice_text(
            kind, member=member, by_member=by_member, reason=why, plain=reader.plain
        )
        body = f"{_dear(unlinkable(proxy.name))}\n\n{text}\n\n{mail.BRAND}\n"
        subject = mail.subject(str(_("Your proxy registration")))
    recipient = proxy.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [recipient]))


def _proxy_sentence(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "sentence": proxy_notice_text(
            str(params.get("which", "")),
            member=str(params.get("member", "")),
            by_member=bool(params.get("by_member")),
            reason=str(params.get("reason", "")),
        )
    }


def proxy_notice_kinds() -> dict[str, notifications.Kind]:
    """The proxy's own notices of their grant (approved, paused, ended), worded as the e-mail."""
    return {
        f"proxy.{kind}": notifications.Kind(text="%(sentence)s", values=_proxy_sentence)
        for kind in PROXY_NOTICE_TEXTS
    }


def _send_invitation(grant: Grant, token: str, base_url: str) -> None:
    url = f"{base_url.rstrip('/')}/proxies/invitations/{token}/"
    member_name = unlinkable(grant.member.name)
    expires = timezone.localtime(grant.invitation_expires_at).strftime("%Y-%m-%d %H:%M")
    body = (
        f"{unlinkable(grant.proxy_name)} 様\n\n"
        f"{member_name} 様が、あなたを代理人として登録しました。\n"
        f"次のリンクを開いて、登録を確認してください（{expires} まで、1回だけ使えます）。\n\n"
        f"{url}\n\n"
        f"{member_name} registered you as their proxy for Senior Support.\n"
        f"Open the link above to accept (valid until {expires} Japan time, usable once).\n\n"
        "心当たりがない場合は、このメールを削除してください。\n"
        "If you do not know about this, you can delete this e-mail.\n"
    )
    recipient = grant.proxy_email
    transaction.on_commit(
        lambda: send_mail(
            "【Accessible Support】代理人登録のご案内 / You are invited to be a proxy",
            body,
            None,
            [recipient],
        )
    )


def _snapshot(grant: Grant) -> dict[str, Any]:
    return {
        "state": grant.state,
        "scopes": list(grant.scopes),
        "relationship": grant.relationship,
        "ends_on": grant.ends_on,
        "proxy": grant.proxy_id,
    }


def _locked(grant: Grant) -> Grant:
    """Re-read the grant under a row lock so two transitions cannot both start from the same
    state."""
    return (
        Grant.objects.select_for_update(of=("self",))
        .select_related("member", "proxy")
        .get(pk=grant.pk)
    )


def _change(
    grant: Grant,
    action: str,
    *,
    actor: User | None,
    now: datetime.datetime | None = None,
    reason: str = "",
    noted: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """The one way a grant changes: set the fields, stamp and save the row, and write the audit
    event with the grant before and after (plus `noted`). Returns the snapshot from before."""
    before = _snapshot(grant)
    for name, value in fields.items():
        setattr(grant, name, value)
    grant.updated_at = now or timezone.now()
    grant.save()
    audit.record(
        action=action,
        actor=actor,
        subject_user=grant.member,
        obj=grant,
        reason=reason,
        before=before,
        after={**_snapshot(grant), **(noted or {})},
    )
    return before


def _clean_scopes(scopes: Any) -> list[str]:
    if not isinstance(scopes, (list, tuple, set)) or not scopes:
        raise GrantError("invalid_scopes", 400, "Choose at least one scope.")
    unknown = [s for s in scopes if not isinstance(s, str) or s not in SCOPES]
    if unknown:
        raise GrantError("unknown_scope", 400, f"Unknown scope: {unknown[0]!r}.")
    return ordered_scopes(list(scopes))


# --- transitions ----------------------------------------------------------------------------


@transaction.atomic
def grant_register(
    *,
    actor: User,
    member: User,
    proxy_name: str,
    proxy_email: str,
    relationship: str,
    scopes: Any,
    ends_on: datetime.date | None = None,
    base_url: str = "",
    proxy_name_reading: str = "",
) -> tuple[Grant, str]:
    """Register a proxy (→ invited) and e-mail the invitation. Returns the grant and the plain
    token (shown nowhere else; only its hash is stored). `proxy_name_reading` is how the member
    says the name is read (kana), for furigana over it."""
    if not policies.can_register(actor, member) or not member.is_member:
        raise GrantError("forbidden", 403, "Only the member or an operator may register a proxy.")
    proxy_name = proxy_name.strip()
    proxy_email = proxy_email.strip().lower()
    if not proxy_name or len(proxy_name) > 100:
        raise GrantError("invalid_field", 400, "Give the proxy's name.")
    try:
        proxy_name_reading = clean_name_reading(proxy_name_reading)
    except ValidationError as exc:
        raise GrantError(
            "invalid_field", 400, "Write the name's reading in kana.", field="proxy_name_reading"
        ) from exc
    try:
        validate_email(proxy_email)
    except ValidationError as exc:
        raise GrantError("invalid_field", 400, "Give a valid e-mail address.") from exc
    relation = normalise_relationship(relationship)
    if relation is None:
        raise GrantError("invalid_relationship", 400, "Unknown relationship.")
    chosen = _clean_scopes(scopes)
    now = timezone.now()
    if ends_on is not None and ends_on < timezone.localdate(now):
        raise GrantError("invalid_end_date", 400, "The end date is in the past.")
    if member.email and proxy_email == member.email.lower():
        raise GrantError("self_proxy", 400, "A member cannot be their own proxy.")
    # Lock the member row: two registrations at once cannot both pass the limit.
    User.objects.select_for_update().filter(pk=member.pk).first()
    _check_invitation_limits(member, proxy_email, now)
    if selectors.open_grant_count(member, now) >= max_grants():
        raise GrantError("grant_limit", 409, f"A member may have at most {max_grants()} proxies.")
    duplicate = (
        Grant.objects.filter(member=member, state__in=OPEN_STATES)
        .exclude(state=GrantState.INVITED, invitation_expires_at__lte=now)
        .filter(proxy_email=proxy_email)
        .exists()
    )
    if duplicate:
        raise GrantError("duplicate_grant", 409, "This person is already registered.")
    token = secrets.token_urlsafe(32)
    grant = Grant.objects.create(
        member=member,
        proxy_name=proxy_name,
        proxy_name_reading=proxy_name_reading,
        proxy_email=proxy_email,
        relationship=relation,
        scopes=chosen,
        ends_on=ends_on,
        state=GrantState.INVITED,
        invitation_hash=selectors.token_hash(token),
        invitation_expires_at=now + datetime.timedelta(days=INVITATION_DAYS),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    audit.record(
        action=AuditAction.PROXY_GRANT_INVITED,
        actor=actor,
        subject_user=member,
        obj=grant,
        after=_snapshot(grant),
    )
    _send_invitation(
        grant, token, base_url or getattr(settings, "SITE_URL", "http://127.0.0.1:8000")
    )
    _notify(member, "grant.invited", grant)
    return grant, token


def _check_invitation_limits(member: User, proxy_email: str, now: datetime.datetime) -> None:
    """Invitations send mail to an address the member typed: at most
    PROXY_INVITATIONS_PER_MEMBER_PER_DAY per member and PROXY_INVITATIONS_PER_ADDRESS_PER_DAY
    to one address (from any member), so a register-then-revoke loop cannot make the service a
    spam relay. The caller holds the member's row lock, so concurrent registrations count."""
    since = now - datetime.timedelta(days=1)
    per_member = int(getattr(settings, "PROXY_INVITATIONS_PER_MEMBER_PER_DAY", 5))
    per_address = int(getattr(settings, "PROXY_INVITATIONS_PER_ADDRESS_PER_DAY", 2))
    if Grant.objects.filter(member=member, created_at__gte=since).count() >= per_member:
        raise GrantError(
            "invitation_limit", 429, f"At most {per_member} invitations a day. Try tomorrow."
        )
    sent = Grant.objects.filter(proxy_email__iexact=proxy_email, created_at__gte=since).count()
    if sent >= per_address:
        raise GrantError(
            "invitation_limit",
            429,
            f"This address had {per_address} invitations today already. Try tomorrow.",
        )


# A name typed by a member goes into an e-mail to someone else: mail programs turn anything that
# looks like an address into a link. Its link-making characters become full-width look-alikes.
_LINK_CHARACTERS = str.maketrans({".": "．", ":": "：", "/": "／", "@": "＠"})


def unlinkable(name: str) -> str:
    return name.translate(_LINK_CHARACTERS)


def _invited_grant(token: str, *, for_update: bool) -> Grant:
    grant = selectors.grant_by_token(token)
    if grant is None:
        raise GrantError("not_found", 404, "No such invitation.")
    if for_update:
        grant = _locked(grant)
    if grant.invitation_used_at is not None or grant.state != GrantState.INVITED:
        raise GrantError("invitation_used", 410, "This invitation has already been used.")
    expires = grant.invitation_expires_at
    if expires is None or expires <= timezone.now():
        raise GrantError("invitation_expired", 410, "This invitation has expired.")
    return grant


def invitation_for_token(token: str) -> Grant:
    """The grant behind a still-usable invitation (for the acceptance page)."""
    return _invited_grant(token, for_update=False)


@transaction.atomic
def grant_accept(*, token: str, actor: User) -> Grant:
    """The proxy accepts (→ pending_review). The token works once."""
    grant = _invited_grant(token, for_update=True)
    if actor.pk == grant.member_id:
        raise GrantError("self_proxy", 400, "A member cannot be their own proxy.")
    if Grant.objects.filter(member_id=grant.member_id, proxy=actor, state__in=OPEN_STATES).exists():
        raise GrantError("duplicate_grant", 409, "You already help this member.")
    if not actor.is_proxy:
        actor.is_proxy = True
        actor.save(update_fields=["is_proxy"])
        why = "accepted a proxy invitation"
        audit.record_account(
            actor,
            AuditAction.USER_ROLES_CHANGED,
            actor=actor,
            after={"roles": actor.roles},
            reason=why,
        )
    now = timezone.now()
    _change(
        grant,
        AuditAction.PROXY_GRANT_ACCEPTED,
        actor=actor,
        now=now,
        proxy=actor,
        state=GrantState.PENDING_REVIEW,
        invitation_used_at=now,
    )
    _notify(grant.member, "grant.accepted", grant)
    return grant


@transaction.atomic
def grant_decline(*, token: str, actor: User | None = None) -> Grant:
    """Whoever holds the invitation link may decline it (→ declined)."""
    grant = _invited_grant(token, for_update=True)
    now = timezone.now()
    _change(
        grant,
        AuditAction.PROXY_GRANT_DECLINED,
        actor=actor,
        now=now,
        state=GrantState.DECLINED,
        invitation_used_at=now,
        ended_at=now,
    )
    _notify(grant.member, "grant.declined", grant)
    return grant


def _require_state(grant: Grant, *states: str) -> None:
    if grant.state not in states:
        raise GrantError(
            "invalid_state", 409, f"The grant is {grant.state}; this needs {' or '.join(states)}."
        )


def _clean_documents(documents: Any) -> list[str]:
    if isinstance(documents, str):
        documents = [documents]
    if not isinstance(documents, (list, tuple)):
        raise GrantError("invalid_field", 400, "List the documents you checked.")
    cleaned = [d.strip() for d in documents if isinstance(d, str) and d.strip()]
    if not cleaned or any(len(d) > 200 for d in cleaned):
        raise GrantError("invalid_field", 400, "List the documents you checked.")
    return cleaned


@transaction.atomic
def grant_approve(*, grant: Grant, actor: User, documents_checked: Any) -> Grant:
    """A supervisor approves after checking identity and relationship (→ active)."""
    if not policies.can_review(actor, grant):
        raise GrantError("forbidden", 403, "Only a supervisor may approve.")
    documents = _clean_documents(documents_checked)
    grant = _locked(grant)
    _require_state(grant, GrantState.PENDING_REVIEW)
    now = timezone.now()
    _change(
        grant,
        AuditAction.PROXY_GRANT_APPROVED,
        actor=actor,
        now=now,
        noted={"documents_checked": documents},
        state=GrantState.ACTIVE,
        documents_checked=documents,
        reviewed_by=actor,
        reviewed_at=now,
    )
    _notify(grant.member, "grant.approved", grant)
    _notify_proxy(grant, "approved", actor=actor)
    return grant


@transaction.atomic
def grant_reject(*, grant: Grant, actor: User, reason: str) -> Grant:
    if not policies.can_review(actor, grant):
        raise GrantError("forbidden", 403, "Only a supervisor may reject.")
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise GrantError("invalid_field", 400, "Give the reason.")
    grant = _locked(grant)
    _require_state(grant, GrantState.PENDING_REVIEW)
    now = timezone.now()
    _change(
        grant,
        AuditAction.PROXY_GRANT_REJECTED,
        actor=actor,
        now=now,
        reason=reason,
        state=GrantState.REJECTED,
        review_reason=reason,
        reviewed_by=actor,
        reviewed_at=now,
        ended_at=now,
    )
    _notify(grant.member, "grant.rejected", grant, reason=reason)
    return grant


@transaction.atomic
def grant_revoke(*, grant: Grant, actor: User, reason: str = "") -> Grant:
    """The member or a supervisor ends the grant, at once: the proxy's next request is denied
    and their sockets acting for the member are closed (through the channel layer)."""
    return _stop(grant, actor, reason, verb="revoke", needs=OPEN_STATES, ended=True)


@transaction.atomic
def grant_suspend(*, grant: Grant, actor: User, reason: str = "") -> Grant:
    return _stop(grant, actor, reason, verb="suspend", needs=(GrantState.ACTIVE,), ended=False)


_STOPS = {
    "revoke": (GrantState.REVOKED, AuditAction.PROXY_GRANT_REVOKED, "revoked"),
    "suspend": (GrantState.SUSPENDED, AuditAction.PROXY_GRANT_SUSPENDED, "suspended"),
}


def _stop(grant: Grant, actor: User, reason: str, *, verb: str, needs: Any, ended: bool) -> Grant:
    """Revoke or suspend: the proxy loses the authority at once (open sockets close), and both
    the member and the proxy are told."""
    if not policies.can_revoke_or_suspend(actor, grant):
        raise GrantError("forbidden", 403, f"Only the member or a supervisor may {verb}.")
    state, action, kind = _STOPS[verb]
    grant = _locked(grant)
    _require_state(grant, *needs)
    now = timezone.now()
    extra: dict[str, Any] = {"ended_at": now} if ended else {}
    _change(grant, action, actor=actor, now=now, reason=reason[:255], state=state, **extra)
    if grant.proxy_id is not None:
        events.authority_revoked(grant.proxy_id, grant.member_id)
    _notify(grant.member, f"grant.{kind}", grant)
    _notify_proxy(grant, kind, actor=actor, reason=reason[:255])
    _tell_member_what_stays(grant)
    return grant


@transaction.atomic
def grant_resume(*, grant: Grant, actor: User) -> Grant:
    if not policies.can_revoke_or_suspend(actor, grant):
        raise GrantError("forbidden", 403, "Only the member or a supervisor may resume.")
    grant = _locked(grant)
    _require_state(grant, GrantState.SUSPENDED)
    if grant.ends_before(timezone.localdate()):
        raise GrantError("grant_expired", 409, "The grant has passed its end date.")
    _change(grant, AuditAction.PROXY_GRANT_RESUMED, actor=actor, state=GrantState.ACTIVE)
    _notify(grant.member, "grant.resumed", grant)
    return grant


@transaction.atomic
def grant_change_scopes(*, grant: Grant, actor: User, scopes: Any) -> Grant:
    if not policies.can_change_scopes(actor, grant):
        raise GrantError("forbidden", 403, "Only the member may change scopes.")
    chosen = _clean_scopes(scopes)
    grant = _locked(grant)
    _require_state(grant, *OPEN_STATES)
    before = _change(grant, AuditAction.PROXY_GRANT_SCOPES_CHANGED, actor=actor, scopes=chosen)
    if grant.proxy_id is not None and set(before["scopes"]) - set(chosen):
        # A removed scope may be what an open socket relies on (session.book).
        events.authority_revoked(grant.proxy_id, grant.member_id)
    _notify(grant.member, "grant.scopes_changed", grant)
    _notify_proxy(grant, "scopes_changed", actor=actor)
    return grant


@transaction.atomic
def proxy_action_disown(*, member: User, notice_id: int) -> Procedure:
    """The member's "this wasn't me" on the notice of a proxy's action (issue 21 item 5): the
    grant is paused at once (the proxy's open sockets for the member close, as for any pause),
    a request to staff is opened in the back office, and both are audited. Once per notice."""
    from access_support.notifications.models import Notice

    notice = Notice.objects.select_for_update().filter(pk=notice_id, user=member).first()
    grant_id = notice.params.get("grant_id") if notice is not None else None
    if notice is None or not notice.params.get("by_proxy") or not grant_id:
        raise GrantError("not_found", 404, "No such notice of a proxy's action.")
    if not notifications.mark_acted(notice):
        raise GrantError("already_done", 409, "This notice has been answered already.")
    grant = Grant.objects.select_related("member", "proxy").get(pk=grant_id, member=member)
    reason = "The member says a proxy's action was not theirs."
    if grant.state == GrantState.ACTIVE:
        _stop(grant, member, reason, verb="suspend", needs=(GrantState.ACTIVE,), ended=False)
    with mail.writing_to(member):
        what = notice_text(notice.kind, notice.params, plain=False)  # for our staff to read
    procedure = Procedure.objects.create(
        kind=ProcedureKind.PROXY_DISPUTE,
        details=f"{reason}\n{notice.created_at.isoformat()}: {what}"[:2000],
        on_behalf_of=member,
        filed_by=member,
        grant=grant,
    )
    audit.record(
        action=AuditAction.PROXY_ACTION_DISOWNED,
        actor=member,
        subject_user=member,
        obj=procedure,
        after={"notice": notice.pk, "notice_kind": notice.kind, "grant": grant.pk},
    )
    return procedure


def grants_expire_due(*, now: datetime.datetime | None = None) -> int:
    """Store `expired` on grants past their end date and on invitations past 7 days. Decisions
    never wait for this (they read the end date), so it is housekeeping: it keeps lists tidy
    and tells members. Returns how many grants changed."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    due = Grant.objects.filter(
        Q(state__in=[GrantState.ACTIVE, GrantState.SUSPENDED], ends_on__lt=today)
        | Q(state=GrantState.INVITED, invitation_expires_at__lte=moment)
    ).values_list("pk", flat=True)
    changed = 0
    for pk in list(due):
        if _grant_expire(pk=pk, now=moment):
            changed += 1
    return changed


@transaction.atomic
def _grant_expire(*, pk: int, now: datetime.datetime) -> bool:
    grant = (
        Grant.objects.select_for_update(of=("self",)).select_related("member", "proxy").get(pk=pk)
    )
    was_invited = grant.state == GrantState.INVITED
    if grant.effective_state(now) != GrantState.EXPIRED and not (
        was_invited and grant.invitation_expires_at and grant.invitation_expires_at <= now
    ):
        return False
    _change(
        grant,
        AuditAction.PROXY_GRANT_EXPIRED,
        actor=None,
        now=now,
        reason="invitation not accepted in time" if was_invited else "end date passed",
        state=GrantState.EXPIRED,
        ended_at=now,
    )
    if grant.proxy_id is not None:
        events.authority_revoked(grant.proxy_id, grant.member_id)
    _notify(grant.member, "grant.expired", grant)
    if not was_invited:  # an invitation that lapsed was never the proxy's registration
        _notify_proxy(grant, "expired", actor=None)
    return True


# --- deciding -------------------------------------------------------------------------------


@transaction.atomic
def authorize(
    *, actor: Any, member: Any, action: str, verified: bool | None = None, via: str = "web"
) -> Decision:
    """Decide and, for anyone but the member themself, write the decision to the audit log
    (allowed or denied). Raises policies.UnknownAction for an unknown action code."""
    grant = selectors.grant_between(actor, member) if getattr(actor, "pk", None) else None
    decision = policies.decide(actor, member, action, grant=grant, verified=verified)
    acting_for_self = (
        member is not None and getattr(actor, "pk", None) is not None and actor.pk == member.pk
    )
    if not acting_for_self:
        audit.record(
            action=AuditAction.PROXY_DECISION,
            actor=actor,
            subject_user=member if getattr(member, "is_member", False) else None,
            obj=decision.grant,
            reason=decision.reason,
            after={"action": action, "allowed": decision.allowed, "via": via},
        )
    return decision


# --- verification codes and the desk --------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def code_issue(*, proxy: User, member: User | None) -> tuple[str, VerificationCode]:
    """A code the proxy shows the desk. Needs a grant in force. Earlier unused codes for the same
    member stop working, so only one is live at a time."""
    grant = selectors.grant_between(proxy, member)
    decision = policies.grant_standing(proxy, member, grant=grant)
    if not decision.allowed:
        status = 404 if decision.reason in ("unknown_member", "no_grant") else 403
        raise GrantError(decision.reason if status == 403 else "not_found", status)
    assert member is not None
    now = timezone.now()
    VerificationCode.objects.filter(proxy=proxy, member=member, used_at__isnull=True).update(
        used_at=now
    )
    code = _new_code()
    record = VerificationCode.objects.create(
        proxy=proxy,
        member=member,
        code_hash=selectors.token_hash(code),
        created_at=now,
        expires_at=now + datetime.timedelta(minutes=CODE_MINUTES),
    )
    audit.record(action=AuditAction.PROXY_CODE_ISSUED, actor=proxy, subject_user=member, obj=record)
    return code, record


@dataclass(frozen=True)
class DeskResult:
    decision: Decision | None
    throttled: bool = False
    retry_after: int = 0


def _member_lock_key(member_number: str) -> str:
    # By member number (one member each, unique): the desk checks its locks before reading
    # anything, so a locked desk answers alike whatever the code shown.
    return f"proxies:desk-lock:member-number:{member_number}"


def _operator_lock_key(operator_id: int) -> str:
    return f"proxies:desk-lock:operator:{operator_id}"


def _count_failure(key: str) -> int:
    cache.add(key, 0, DESK_WINDOW_SECONDS)
    try:
        return int(cache.incr(key))
    except ValueError:
        cache.set(key, 1, DESK_WINDOW_SECONDS)
        return 1


def _desk_failure(operator: User, member: User | None) -> None:
    """Wrong codes are counted per member and per operator (in the shared cache, so the count
    holds across processes); reaching the limit locks the desk for 15 minutes."""
    member_limit = int(getattr(settings, "PROXY_DESK_MEMBER_FAILURES", 5))
    operator_limit = int(getattr(settings, "PROXY_DESK_OPERATOR_FAILURES", 10))
    if member is not None and member.member_number:  # a member always has a number
        count = _count_failure(f"proxies:desk-fail:member:{member.pk}")
        if count >= member_limit:
            cache.set(_member_lock_key(member.member_number), True, DESK_LOCK_SECONDS)
            cache.delete(f"proxies:desk-fail:member:{member.pk}")
            audit.record(
                action=AuditAction.PROXY_DESK_LOCKED,
                actor=operator,
                subject_user=member,
                reason=f"{count} wrong codes for this member",
            )
    count = _count_failure(f"proxies:desk-fail:operator:{operator.pk}")
    if count >= operator_limit:
        cache.set(_operator_lock_key(operator.pk), True, DESK_LOCK_SECONDS)
        cache.delete(f"proxies:desk-fail:operator:{operator.pk}")
        audit.record(
            action=AuditAction.PROXY_DESK_LOCKED,
            actor=operator,
            subject_user=operator,
            reason=f"{count} wrong codes from this operator",
        )


@dataclass(frozen=True)
class Desk:
    """An operator at the verification desk. Only `desk_open` makes one: it is the one place
    that decides who may use the desk, for the page, the API and every check alike."""

    operator: User

    def check(self, *, member_number: str, code: str, action: str) -> DeskResult:
        return _desk_check(self.operator, member_number=member_number, code=code, action=action)


def desk_open(operator: User) -> Desk:
    """The desk for `operator`; GrantError(403) for anyone else (policies.can_use_desk)."""
    if not policies.can_use_desk(operator):
        raise GrantError("forbidden", 403, "Only operators use the verification desk.")
    return Desk(operator)


def desk_check(*, operator: User, member_number: str, code: str, action: str) -> DeskResult:
    """The verification desk (proxies/README.md): member number + code + action → decision, logged.
    Raises policies.UnknownAction for an unknown action, GrantError(403) for a non-operator."""
    return desk_open(operator).check(member_number=member_number, code=code, action=action)


def _desk_check(operator: User, *, member_number: str, code: str, action: str) -> DeskResult:
    if action not in ACTIONS:
        raise policies.UnknownAction(action)
    number = selectors.normalise_member_number(member_number)
    locks = [_operator_lock_key(operator.pk)]
    if len(number) == 10:
        locks.append(_member_lock_key(number))
    if any(cache.get_many(locks).values()):  # one round trip to the shared cache
        member = selectors.member_by_number(member_number)  # for the audit row
        audit.record(
            action=AuditAction.PROXY_DESK_REFUSED,
            actor=operator,
            subject_user=member,
            reason="desk locked after too many wrong codes",
            after={"action": action},
        )
        return DeskResult(None, throttled=True, retry_after=DESK_LOCK_SECONDS)
    member, found, grant = selectors.desk_lookup(member_number, code)
    proxy = found.proxy if found is not None else None
    decision = policies.decide_at_desk(member, action, code=found, grant=grant)
    # A code is spent only by an allowed action (policies.desk_spends_code): a refused action
    # leaves it usable until it expires. Spending it and the audit row are one transaction; the
    # reads before it are not in it (on SQLite a transaction holds the write lock from BEGIN).
    # So a grant revoked in the milliseconds between the read and the commit is decided as read
    # — as it always was on PostgreSQL (READ COMMITTED) — and the audit row names that grant.
    spend = found if found is not None and policies.desk_spends_code(decision) else None
    with transaction.atomic():
        if spend is not None and not _spend_code(spend):
            # Another check spent this code since we read it: to this check it is used.
            decision = policies.decide_at_desk(member, action, code=None)
        if decision.reason == "invalid_code":
            _desk_failure(operator, member)
        audit.record(**_desk_audit(operator, member, action, decision, proxy))
    return DeskResult(decision)


def _desk_audit(
    operator: User, member: User | None, action: str, decision: Decision, proxy: User | None
) -> audit.EventFields:
    """The audit row of a desk decision (`audit.record`'s arguments)."""
    return {
        "action": AuditAction.PROXY_DECISION,
        "actor": operator,
        "subject_user": member,
        "obj": decision.grant,
        "reason": decision.reason,
        "after": {
            "action": action,
            "allowed": decision.allowed,
            "via": "desk",
            "proxy": proxy.pk if proxy is not None and decision.reason != "invalid_code" else None,
        },
    }


def _spend_code(found: VerificationCode) -> bool:
    """Mark the code used unless a concurrent check already did (one conditional UPDATE: on
    PostgreSQL the second writer waits for the first and then matches no row)."""
    now = timezone.now()
    spent = _SPEND_CODE.run((now,), found.pk)
    found.used_at = now
    return spent == 1


# The desk's one write besides its audit row, compiled once when the speedups are on
# (access_support/speedups/queries.py).
_SPEND_CODE = Update(
    VerificationCode,
    lambda pk: VerificationCode.objects.filter(pk=pk, used_at__isnull=True),
    (-7130004,),
    {"used_at": datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)},
)


# --- procedures -----------------------------------------------------------------------------


def procedure_file(
    *, actor: User, member: User, kind: str, details: str, verified: bool | None = None
) -> Procedure:
    """A request filed for a member, checked by the policy like any other action. The decision
    is audited in its own transaction, so a refusal stays on record."""
    if kind not in PROCEDURE_SCOPES:
        raise GrantError("unknown_procedure", 400, "Unknown procedure.")
    details = (details or "").strip()
    if not details or len(details) > 2000:
        raise GrantError("invalid_field", 400, "Describe the request (up to 2000 characters).")
    decision = authorize(
        actor=actor, member=member, action=PROCEDURE_SCOPES[kind], verified=verified
    )
    if not decision.allowed:
        raise GrantError(decision.reason, 403)
    # No card numbers are stored (docs/security.md); masked before _procedure_create's transaction.
    details = mask_card_numbers(details)[0]
    return _procedure_create(
        actor=actor, member=member, kind=kind, details=details, decision=decision
    )


@transaction.atomic
def _procedure_create(
    *, actor: User, member: User, kind: str, details: str, decision: Decision
) -> Procedure:
    procedure = Procedure.objects.create(
        kind=kind,
        details=details,
        on_behalf_of=member,
        filed_by=actor,
        grant=decision.grant,
    )
    audit.record(
        action=AuditAction.PROXY_PROCEDURE_FILED,
        actor=actor,
        subject_user=member,
        obj=procedure,
        after={"kind": kind, "filed_by": actor.pk},
    )
    if actor.pk != member.pk:
        _notify(
            member,
            "procedure.filed",
            decision.grant,
            proxy=actor.name,
            procedure_kind=kind,
            procedure_id=procedure.pk,
            by_proxy=True,
        )
    return procedure


# --- requests in the back office: claim, ask, answer, done, declined ----------------------------
# Staff (policies.can_handle_procedures) claim a received request — one claimer, whoever races —
# and then ask the customer a question, finish it or decline it with a reason. The customer (the
# member, or the proxy who filed it) answers a question on the request's page. Every change is
# one transaction with its audit row (subject: the member, so the member's timeline shows it),
# and tells the member and the proxy who filed it (in-app notice and e-mail), except whoever
# made the change.

MESSAGE_MAX = 2000


def _procedure_locked(procedure: Procedure) -> Procedure:
    return (
        Procedure.objects.select_for_update(of=("self",))
        .select_related("on_behalf_of", "filed_by", "claimed_by", "grant")
        .get(pk=procedure.pk)
    )


def _procedure_snapshot(procedure: Procedure) -> dict[str, Any]:
    return {"status": procedure.status, "claimed_by": procedure.claimed_by_id}


def _procedure_text(text: str, *, required: bool) -> str:
    text = (text or "").strip()
    if (required and not text) or len(text) > MESSAGE_MAX:
        raise GrantError("invalid_field", 400, f"Write the text (up to {MESSAGE_MAX} characters).")
    # No card numbers are stored (docs/security.md).
    return mask_card_numbers(text)[0]


def _tell_about_procedure(
    procedure: Procedure, kind: str, actor: User, *, reason: str = ""
) -> None:
    """The member and the proxy who filed the request, except whoever acted."""
    member = procedure.on_behalf_of
    recipients = [member]
    filer = procedure.filed_by
    if filer.pk != member.pk:
        recipients.append(filer)
    # The proxy who filed it acted (answered) in the member's name: the member may say "not me".
    by_proxy = actor.pk == filer.pk != member.pk and procedure.grant_id is not None
    extra: dict[str, Any] = {"by_proxy": True, "grant_id": procedure.grant_id} if by_proxy else {}
    for recipient in recipients:
        if recipient.pk == actor.pk:
            continue
        _notify(
            recipient,
            kind,
            None,
            **(extra if recipient.pk == member.pk else {}),
            member=unlinkable(member.name),
            proxy=unlinkable(actor.name),
            people=[member, actor],
            procedure_kind=procedure.kind,
            reason=reason,
            procedure_id=procedure.pk,
        )


def _procedure_audit(
    procedure: Procedure, action: str, actor: User, before: dict[str, Any], reason: str = ""
) -> None:
    audit.record(
        action=action,
        actor=actor,
        subject_user=procedure.on_behalf_of,
        obj=procedure,
        reason=reason[:255],
        before=before,
        after={**_procedure_snapshot(procedure), "kind": procedure.kind},
    )


@transaction.atomic
def procedure_claim(*, procedure: Procedure, actor: User) -> Procedure:
    """Take a received request (→ in progress). Exactly one claim wins: one conditional UPDATE
    (on PostgreSQL a second writer waits for the first and then matches no row; on SQLite
    writers run one at a time). The loser gets `already_claimed` (409)."""
    if not policies.can_handle_procedures(actor):
        raise GrantError("forbidden", 403, "Only back-office staff handle requests.")
    now = timezone.now()
    won = Procedure.objects.filter(
        pk=procedure.pk, status=ProcedureStatus.RECEIVED, claimed_by__isnull=True
    ).update(
        status=ProcedureStatus.IN_PROGRESS,
        claimed_by=actor,
        claimed_at=now,
        first_response_at=now,
        updated_at=now,
    )
    if won != 1:
        raise GrantError("already_claimed", 409, "Someone has already taken this request.")
    procedure = _procedure_locked(procedure)
    _procedure_audit(
        procedure,
        AuditAction.PROXY_PROCEDURE_CLAIMED,
        actor,
        {"status": ProcedureStatus.RECEIVED, "claimed_by": None},
    )
    _tell_about_procedure(procedure, "procedure.claimed", actor)
    return procedure


def _staff_step(procedure: Procedure, actor: User, *allowed: str) -> Procedure:
    if not policies.can_handle_procedures(actor):
        raise GrantError("forbidden", 403, "Only back-office staff handle requests.")
    procedure = _procedure_locked(procedure)
    if procedure.status not in allowed:
        raise GrantError("invalid_state", 409, "This cannot be done in the request's state.")
    # The claimer carries it on; a supervisor may step in.
    if procedure.claimed_by_id != actor.pk and not actor.is_supervisor:
        raise GrantError("not_yours", 403, "Another staff member has this request.")
    return procedure


def _move(procedure: Procedure, status: str, actor: User, kind: str, text: str) -> dict[str, Any]:
    before = _procedure_snapshot(procedure)
    now = timezone.now()
    procedure.status = status
    procedure.updated_at = now
    if procedure.first_response_at is None:
        procedure.first_response_at = now
    if status in (ProcedureStatus.DONE, ProcedureStatus.DECLINED):
        procedure.closed_at = now
    procedure.save(update_fields=["status", "updated_at", "first_response_at", "closed_at"])
    if text:
        ProcedureMessage.objects.create(
            procedure=procedure, author=actor, kind=kind, text=text, created_at=now
        )
    return before


@transaction.atomic
def procedure_ask(*, procedure: Procedure, actor: User, question: str) -> Procedure:
    """Ask the customer for more information (→ waiting for their answer)."""
    text = _procedure_text(question, required=True)
    procedure = _staff_step(procedure, actor, ProcedureStatus.IN_PROGRESS)
    before = _move(procedure, ProcedureStatus.NEEDS_INFO, actor, "question", text)
    _procedure_audit(procedure, AuditAction.PROXY_PROCEDURE_QUESTION_ASKED, actor, before)
    _tell_about_procedure(procedure, "procedure.question", actor)
    return procedure


@transaction.atomic
def procedure_answer(*, procedure: Procedure, actor: User, answer: str) -> Procedure:
    """The customer answers staff's question (→ in progress again)."""
    text = _procedure_text(answer, required=True)
    procedure = _procedure_locked(procedure)
    grant = selectors.grant_between(actor, procedure.on_behalf_of)
    if not policies.can_follow_procedure(actor, procedure, grant=grant):
        raise GrantError("not_found", 404, "No such request.")
    if procedure.status != ProcedureStatus.NEEDS_INFO:
        raise GrantError("invalid_state", 409, "No question is waiting for an answer.")
    before = _move(procedure, ProcedureStatus.IN_PROGRESS, actor, "answer", text)
    _procedure_audit(procedure, AuditAction.PROXY_PROCEDURE_ANSWERED, actor, before)
    _tell_about_procedure(procedure, "procedure.answered", actor)
    return procedure


@transaction.atomic
def procedure_done(*, procedure: Procedure, actor: User, note: str = "") -> Procedure:
    """Finish the request (→ done); `note` is shown to the customer."""
    text = _procedure_text(note, required=False)
    procedure = _staff_step(
        procedure, actor, ProcedureStatus.IN_PROGRESS, ProcedureStatus.NEEDS_INFO
    )
    before = _move(procedure, ProcedureStatus.DONE, actor, "done", text)
    _procedure_audit(procedure, AuditAction.PROXY_PROCEDURE_DONE, actor, before)
    _tell_about_procedure(procedure, "procedure.done", actor)
    return procedure


@transaction.atomic
def procedure_decline(*, procedure: Procedure, actor: User, reason: str) -> Procedure:
    """Decline the request (→ declined); the reason is required and shown to the customer."""
    text = _procedure_text(reason, required=True)
    procedure = _staff_step(
        procedure, actor, ProcedureStatus.IN_PROGRESS, ProcedureStatus.NEEDS_INFO
    )
    before = _move(procedure, ProcedureStatus.DECLINED, actor, "declined", text)
    _procedure_audit(procedure, AuditAction.PROXY_PROCEDURE_DECLINED, actor, before, reason=text)
    _tell_about_procedure(procedure, "procedure.declined", actor, reason=text)
    return procedure


def procedure_file_for_member(*, actor: User, member: User, kind: str, details: str) -> Procedure:
    """Staff file a request the member asked them for (in a session or at the desk): no grant
    is involved, so no proxy decision; the filing is audited and the member is told, as for a
    proxy's request (policies.can_file_for_member)."""
    if not policies.can_file_for_member(actor):
        raise GrantError("forbidden", 403, "Only staff file a request for a member.")
    if kind not in PROCEDURE_SCOPES:
        raise GrantError("unknown_procedure", 400, "Unknown procedure.")
    details = (details or "").strip()
    if not details or len(details) > 2000:
        raise GrantError("invalid_field", 400, "Describe the request (up to 2000 characters).")
    details = mask_card_numbers(details)[0]
    return _procedure_create(
        actor=actor, member=member, kind=kind, details=details, decision=Decision(True, "ok")
    )
