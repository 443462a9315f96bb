"""Writing and checking the audit chain. The only code that creates audit rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Required, TypedDict, Unpack

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from access_support import request_context, speedups
from access_support.audit.models import GENESIS_HASH, AuditEvent
from access_support.speedups.queries import Insert, Query, save_by_sql

# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK_KEY = 7_261_431_001


# SQLite: every transaction begins IMMEDIATE (settings), so chain writers already run one at a
# time; the last link is read and the row inserted in two statements.
# The chain's last link, read by every audited write (compiled once when the speedups are on:
# access_support/speedups/queries.py).
_LAST_LINK = Query(AuditEvent, lambda: AuditEvent.objects.order_by("-seq").only("seq", "hash")[:1])
# And its INSERT, compiled once.
_APPEND = Insert(AuditEvent)

# PostgreSQL: one statement takes the advisory lock (held to COMMIT), reads the last link,
# numbers, hashes and inserts the row (migration audit/0003, decisions 0011 and 0016).
# audit_append's parameters, in order, each with its type as PostgreSQL names it
# (`pg_get_function_identity_arguments`): the one list the call below is built from — its
# placeholders and its arguments — and the one tests/audit/test_chain.py compares with the
# function in pg_proc. `p_<column>` is filled from that column of the row; the others from
# `_append_postgresql_extras`.
APPEND_PARAMETERS: tuple[tuple[str, str], ...] = (
    ("p_lock", "bigint"),
    ("p_created_at", "timestamp with time zone"),
    ("p_actor_id", "bigint"),
    ("p_subject_user_id", "bigint"),
    ("p_action", "character varying"),
    ("p_object_type", "character varying"),
    ("p_object_id", "character varying"),
    ("p_reason", "character varying"),
    ("p_before", "jsonb"),
    ("p_after", "jsonb"),
    ("p_request_id", "character varying"),
    ("p_head", "text"),
    ("p_tail", "text"),
    ("p_genesis", "character varying"),
)
# The row's own columns among them, with their fields (the function numbers, links and hashes
# the row).
_COLUMNS = {field.column: field for field in AuditEvent._meta.concrete_fields}
_ROW_PARAMETERS: tuple[tuple[str, Field[Any, Any]], ...] = tuple(
    (name, _COLUMNS[name.removeprefix("p_")])
    for name, _type in APPEND_PARAMETERS
    if name.removeprefix("p_") in _COLUMNS
)
# Built from constants above only; the values are bound as parameters.
_APPEND_POSTGRESQL = "SELECT * FROM audit_append({})".format(  # noqa: S608
    ", ".join(f"%s::{sql_type}" for _name, sql_type in APPEND_PARAMETERS)
)


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
        if speedups.enabled():
            _append_postgresql(event)
            return event
        # Stock path (SPEEDUPS=off): the same lock audit_append takes, then a plain save.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    last = _LAST_LINK.first()
    event.seq = (last.seq + 1) if last else 1
    event.prev_hash = last.hash if last else GENESIS_HASH
    event.hash = event.compute_hash()
    _APPEND.insert(event)
    return event


def record_account(
    user: Any,
    action: str,
    *,
    actor: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """An event about an account: the account is both whom it concerns and what changed."""
    event = EventFields(action=action, actor=actor, subject_user=user, obj=user, reason=reason)
    event["before"], event["after"] = before, after
    return record(**event)


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
    """An event not yet written (`record` appends it)."""
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


def _append_postgresql(event: AuditEvent) -> None:
    """Write `event` with one statement on PostgreSQL (`audit_append`), which fills in seq,
    prev_hash and hash; the model's signals are sent as for a save (`queries.save_by_sql`)."""

    def write() -> None:
        values = _append_postgresql_extras(event)
        for name, field in _ROW_PARAMETERS:
            values[name] = field.get_db_prep_save(field.pre_save(event, True), connection)
        arguments = [values.pop(name) for name, _type in APPEND_PARAMETERS]
        assert not values, values  # every value given has its parameter
        with connection.cursor() as cursor:
            cursor.execute(_APPEND_POSTGRESQL, arguments)
            row = cursor.fetchone()
        event.pk, event.seq, event.prev_hash, event.hash = row

    save_by_sql(event, connection.alias, write)


def _append_postgresql_extras(event: AuditEvent) -> dict[str, Any]:
    """audit_append's arguments that are not columns of the row: the chain's lock, the hashed
    body's two pieces around the number (`AuditEvent.hash_parts`) and the first link."""
    head, tail = event.hash_parts()
    return {"p_lock": _CHAIN_LOCK_KEY, "p_head": head, "p_tail": tail, "p_genesis": GENESIS_HASH}


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
