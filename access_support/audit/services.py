"""Writing and checking the audit chain. The only code that creates audit rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Required, TypedDict, Unpack

from django.db import connection, transaction
from django.db.models import Field, signals
from django.utils import timezone

from access_support import request_context
from access_support.audit.models import GENESIS_HASH, AuditEvent
from access_support.prepared import Prepared, PreparedInsert

# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK_KEY = 7_261_431_001


# SQLite: every transaction begins IMMEDIATE (settings), so chain writers already run one at a
# time; the last link is read and the row inserted in two statements.
# The chain's last link, read by every audited write (compiled once: access_support/prepared.py).
_LAST_LINK = Prepared(
    AuditEvent, lambda: AuditEvent.objects.order_by("-seq").only("seq", "hash")[:1]
)
# And its INSERT, compiled once.
_APPEND = PreparedInsert(AuditEvent)

# PostgreSQL: one statement takes the advisory lock (held to COMMIT), reads the last link,
# numbers, hashes and inserts the row (migration audit/0003, decision 0011). These are
# audit_append's arguments; a function that makes a change and appends its row in the same
# statement takes its own first (decision 0014).
_APPEND_POSTGRESQL = {
    "audit_append": (
        "SELECT * FROM audit_append(%s::bigint, %s::timestamptz, %s::bigint, %s::bigint, %s, "
        "%s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s, %s)"
    ),
    # The desk: spend a code and record the decision, its own two arguments first (proxies
    # migration 0002).
    "desk_spend_code": (
        "SELECT * FROM desk_spend_code(%s::bigint, %s::timestamptz, %s::bigint, "
        "%s::timestamptz, %s::bigint, %s::bigint, %s, %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, "
        "%s, %s)"
    ),
}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool, float)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return str(value)


class EventFields(TypedDict, total=False):
    """What an event says (`new_event` and `record` take these)."""

    action: Required[str]
    actor: Any
    subject_user: Any
    obj: Any
    object_type: str
    object_id: str | int
    reason: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@transaction.atomic(savepoint=False)
def record(**fields: Unpack[EventFields]) -> AuditEvent:
    """Append one event (`new_event`'s arguments). Runs inside the caller's transaction, so it
    commits or rolls back with the change it describes; without a savepoint of its own (a failed
    audit write fails the whole change, and a savepoint would cost two more round trips)."""
    event = new_event(**fields)
    if connection.vendor == "postgresql":
        append_postgresql(event)
        return event
    last = _LAST_LINK.first()
    event.seq = (last.seq + 1) if last else 1
    event.prev_hash = last.hash if last else GENESIS_HASH
    event.hash = event.compute_hash()
    _APPEND.insert(event)
    return event


def new_event(
    *,
    action: str,
    actor: Any = None,
    subject_user: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """An event not yet written: `record` appends it, or a PostgreSQL function that makes the
    change it describes appends it in the same statement (`append_postgresql`)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEvent(
        created_at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        subject_user=subject_user,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
        before=_jsonable(before),
        after=_jsonable(after),
        request_id=request_context.request_id.get(),
    )


def append_postgresql(
    event: AuditEvent, function: str = "audit_append", leading: tuple[Any, ...] = ()
) -> bool:
    """Write `event` with one statement on PostgreSQL: `audit_append`, or another function of
    `_APPEND_POSTGRESQL` that takes its own arguments (`leading`) first, then audit_append's,
    makes a change and appends the event with it — returning audit_append's row, or no row when
    it made no change and appended nothing. The function fills in seq, prev_hash and hash; the
    same model signals are sent as for a save (as PreparedInsert does on SQLite). Returns
    whether it appended."""
    event._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    signals.pre_save.send(
        sender=AuditEvent, instance=event, raw=False, using=connection.alias, update_fields=None
    )
    head, tail = event.hash_parts()
    params: list[Any] = list(leading)
    params.append(_CHAIN_LOCK_KEY)
    params.extend(
        field.get_db_prep_save(field.pre_save(event, True), connection) for field in _ROW_FIELDS
    )
    params.extend([head, tail, GENESIS_HASH])
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_POSTGRESQL[function], params)
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk, event.seq, event.prev_hash, event.hash = row
    event._state.db = connection.alias
    event._state.adding = False
    signals.post_save.send(
        sender=AuditEvent,
        instance=event,
        created=True,
        update_fields=None,
        raw=False,
        using=connection.alias,
    )
    return True


# The row's own values, in audit_append's parameter order (the function numbers and hashes it).
_ROW_FIELDS: list[Field[Any, Any]] = [
    AuditEvent._meta.get_field(name)  # type: ignore[misc]
    for name in (
        "created_at",
        "actor",
        "subject_user",
        "action",
        "object_type",
        "object_id",
        "reason",
        "before",
        "after",
        "request_id",
    )
]


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    broken_seq: int | None = None
    problem: str = ""


def verify_chain() -> ChainCheck:
    """Walk the chain in order; report the first row whose hash or link does not hold."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainCheck(False, checked, event.seq, f"sequence gap: expected {expected_seq}")
        if event.prev_hash != expected_prev:
            return ChainCheck(False, checked, event.seq, "link to the previous row is broken")
        if event.compute_hash() != event.hash:
            return ChainCheck(False, checked, event.seq, "contents do not match the stored hash")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    return ChainCheck(True, checked)
