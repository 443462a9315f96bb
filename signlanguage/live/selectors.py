"""Read queries of live sessions: the participant gate, message pages, transcripts, the console.
The only place that filters by what a user may see of a session."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from access_support.accounts.models import User
from access_support.audit.actions import AuditAction
from access_support.audit.models import AuditEvent
from proxies.policies import decide
from proxies.reasons import explain
from proxies.scopes import ACTIONS, SCOPES, ordered_scopes
from proxies.selectors import grants_in_force
from proxies.services import authorize
from signlanguage.live import policies as live_policies
from signlanguage.live.policies import Participation
from signlanguage.models import CannedPhrase, ChatMessage, Feedback, SenderRole, Session

MESSAGE_PAGE_SIZE = 200


def participant_session(
    user: Any,
    pk: int,
    *,
    verified: bool | None = None,
    via: str = "web",
    with_read_marks: bool = False,
) -> tuple[Session | None, Participation]:
    """The session and the user's part in it. (None, …not_found) when there is no such session.
    A proxy's part comes from proxies.services.authorize (decided and audited there)."""
    query = Session.objects.select_related("customer", "operator").filter(pk=pk)
    if with_read_marks:  # the live socket: each role's read mark, in the same query
        query = query.annotate(
            **{
                f"read_by_{role}": Max(
                    "read_markers__last_read_seq", filter=Q(read_markers__role=role)
                )
                for role in READ_ROLES
            }
        )
    session = query.first()
    if session is None:
        return None, Participation(False, "not_found")
    decision = None
    if live_policies.needs_proxy_decision(user, session):
        decision = authorize(
            actor=user, member=session.customer, action="session.book", verified=verified, via=via
        )
    return session, live_policies.participation(user, session, proxy_decision=decision)


def video_participants(session_id: int) -> set[str]:
    """The participant ids (live_policies.participant_id) of everyone who may take part in the
    session's video now: its customer, its operator once assigned, and every proxy whose grant
    from the customer is in force with `session.book` (decided as each use is, not audited: this
    only says who a signal may be addressed to). Empty for a session that does not exist."""
    session = Session.objects.select_related("customer").filter(pk=session_id).first()
    if session is None:
        return set()
    ids = {live_policies.participant_id("customer", session.customer_id)}
    if session.operator_id is not None:
        ids.add(live_policies.participant_id("operator", session.operator_id))
    now = timezone.now()
    grants = (
        grants_in_force(now)
        .filter(member_id=session.customer_id, proxy__isnull=False)
        .select_related("proxy")
    )
    for grant in grants:
        if grant.proxy_id is None:
            continue
        decision = decide(
            grant.proxy, session.customer, "session.book", grant=grant, now=now, verified=True
        )
        if decision.allowed:
            ids.add(live_policies.participant_id("proxy", grant.proxy_id))
    return ids


def message_frame(message: ChatMessage) -> dict[str, Any]:
    """A stored message as the `chat.message` frame of docs/websocket.md. A line of the
    service's own (role "system") carries no name: nobody in the conversation said it."""
    system = message.sender_role == SenderRole.SYSTEM
    return {
        "type": "chat.message",
        "seq": message.seq,
        "client_id": str(message.client_id),
        "sender": {"role": message.sender_role, "name": "" if system else message.sender.name},
        "text": message.text,
        "sent_at": timezone.localtime(message.sent_at).isoformat(),
    }


SIDE_ROLES = {"operator": ("operator",), "customer": ("customer", "proxy")}
READ_ROLES = ("customer", "proxy", "operator")


def read_marks_of_other_side(session: Session, side: str) -> list[dict[str, Any]]:
    """The stored read marks of the other side of the call, as the `chat.read` frames a socket
    gets when it connects (docs/websocket.md): the highest seq per role, so a page that was
    reloaded shows 既読 on what the other side has already read. `session` comes from
    participant_session(…, with_read_marks=True): the marks are read with the session, in the
    same query."""
    other = "customer" if side == "operator" else "operator"
    frames = []
    for role in SIDE_ROLES[other]:
        seq = getattr(session, f"read_by_{role}", None)
        if seq:
            frames.append({"type": "chat.read", "role": role, "seq": int(seq)})
    return frames


def messages_after(session_id: int, after_seq: int, limit: int | None = None) -> list[ChatMessage]:
    query = (
        ChatMessage.objects.filter(session_id=session_id, seq__gt=after_seq)
        .select_related("sender")
        .order_by("seq")
    )
    return list(query[:limit] if limit is not None else query)


def message_page(session_id: int, after_seq: int) -> dict[str, Any]:
    """One page of the messages API: `next_after_seq` is null on the last page."""
    rows = messages_after(session_id, after_seq, MESSAGE_PAGE_SIZE + 1)
    more = len(rows) > MESSAGE_PAGE_SIZE
    rows = rows[:MESSAGE_PAGE_SIZE]
    return {
        "messages": [message_frame(m) for m in rows],
        "next_after_seq": rows[-1].seq if more else None,
    }


ROLE_LABELS_JA = {"customer": "お客様", "proxy": "代理人", "operator": "オペレーター"}
SYSTEM_LABEL = "お知らせ / Notice"


def transcript_text(session: Session) -> str:
    """The whole conversation as plain text, lines ending CRLF for Windows tools."""
    lines = [
        f"Accessible Support — 会話の記録 / Transcript (session {session.pk})",
        f"用件 / Topic: {getattr(session, 'topic', '')}",
        "",
    ]
    for message in messages_after(session.pk, 0):
        when = timezone.localtime(message.sent_at).strftime("%Y-%m-%d %H:%M")
        if message.sender_role == SenderRole.SYSTEM:
            lines.append(f"[{when}] {SYSTEM_LABEL}")
        else:
            role = ROLE_LABELS_JA.get(message.sender_role, message.sender_role)
            lines.append(f"[{when}] {message.sender.name}（{role}）")
        lines.extend(f"  {line}" for line in message.text.splitlines() or [""])
    if session.summary:
        lines += ["", "まとめ / Summary:", *session.summary.splitlines()]
    return "\r\n".join(lines) + "\r\n"


def canned_phrases() -> QuerySet[CannedPhrase]:
    return CannedPhrase.objects.all()


def feedback_of(session: Session, user: Any) -> Feedback | None:
    return Feedback.objects.filter(session=session, author=user).first()


def operator_view_of(session: Session) -> dict[str, Any]:
    """What the operator sees about the people in the session: who takes part and in what role
    (the customer; a proxy acting for them when the proxy booked the session or has written in
    it), the scopes of those proxies only, and today's verification-desk answer for the member
    in words (proxies.reasons)."""

    customer = session.customer
    proxy_ids = set(
        ChatMessage.objects.filter(session=session, sender_role="proxy").values_list(
            "sender_id", flat=True
        )
    )
    if session.booked_by_id != customer.pk:
        proxy_ids.add(session.booked_by_id)
    proxy_ids.discard(customer.pk)
    grants = list(
        grants_in_force()
        .filter(member=customer, proxy_id__in=proxy_ids)
        .select_related("proxy")
        .order_by("pk")
    )
    for grant in grants:
        grant.scope_labels = [  # type: ignore[attr-defined]
            SCOPES.get(code, code) for code in ordered_scopes(grant.scopes)
        ]
    named = {grant.proxy_id: grant.proxy_display_name for grant in grants}
    people = [{"name": customer.name, "role": "customer"}]
    for user in User.objects.filter(pk__in=proxy_ids).order_by("pk"):
        people.append({"name": named.get(user.pk) or user.name, "role": "proxy"})
    today = timezone.localdate()
    event = (
        AuditEvent.objects.filter(
            action=AuditAction.PROXY_DECISION, subject_user=customer, after__via="desk"
        )
        .filter(created_at__date=today)
        .order_by("-seq")
        .first()
    )
    desk = None
    if event is not None and isinstance(event.after, dict):
        action = str(event.after.get("action", ""))
        desk = {
            "allowed": bool(event.after.get("allowed")),
            "explanation": explain(event.reason),
            "action": ACTIONS.get(action, action),
            "at": timezone.localtime(event.created_at),
        }
    return {
        "customer": customer,
        "people": people,
        "grants": grants,
        "desk_check": desk,
    }


def console_sessions(operator: Any, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The operator's sessions for the console, by start time.

    `today`: open sessions that start today (talk-now requests have no start; an open session
    from an earlier day is listed too, so it can be closed), then the ones closed today.
    `upcoming`: open booked sessions on a later day — listed, never opened.
    `open_chats`: the open ones of today whose time has come (live_policies.is_open_yet): only
    these get a live chat pane and socket. Each session carries `opens_at` (None for talk now)."""

    now = now or timezone.now()
    today = timezone.localdate(now)
    tomorrow = timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    )
    rows = list(
        Session.objects.filter(operator=operator)
        .filter(Q(state__in=("waiting", "active")) | Q(state="closed", closed_at__date=today))
        .select_related("customer", "booked_by")
    )
    for row in rows:
        row.opens_at = live_policies.opens_at(row)  # type: ignore[attr-defined]
        row.is_open = live_policies.is_open_yet(row, now)  # type: ignore[attr-defined]

    def by_time(session: Session) -> tuple[datetime.datetime, int]:
        return (session.start or session.taken_at or session.created_at, session.pk)

    open_rows = sorted((r for r in rows if r.state != "closed"), key=by_time)
    upcoming = [r for r in open_rows if r.start is not None and r.start >= tomorrow]
    today_open = [r for r in open_rows if r not in upcoming]
    closed = sorted((r for r in rows if r.state == "closed"), key=by_time)
    return {
        "today": today_open + closed,
        "upcoming": upcoming,
        "open_chats": [r for r in today_open if r.is_open],  # type: ignore[attr-defined]
    }


def queue_for_console(operator: Any) -> list[Session]:
    """Talk-now requests nobody has taken, in the modes the operator is skilled for."""
    skills = list(getattr(operator, "skills", []))
    return list(
        Session.objects.filter(kind="now", state="waiting", operator__isnull=True, mode__in=skills)
        .select_related("customer")
        .order_by("pk")
    )
