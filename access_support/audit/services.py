"""Writing and checking the audit chain. The only code that creates audit rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from access_support import request_context
from access_support.audit.models import GENESIS_HASH, AuditEvent
from access_support.prepared import Prepared, PreparedInsert

# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK_KEY = 7_261_431_001


def _lock_chain() -> None:
    """Serialise chain writers. PostgreSQL: an advisory lock held to commit. SQLite: every
    transaction begins IMMEDIATE (settings), so writers already run one at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


# The chain's last link, read by every audited write (compiled once: access_support/prepared.py).
_LAST_LINK = Prepared(
    AuditEvent, lambda: AuditEvent.objects.order_by("-seq").only("seq", "hash")[:1]
)
# And its INSERT, compiled once.
_APPEND = PreparedInsert(AuditEvent)


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


@transaction.atomic(savepoint=False)
def record(
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
    """Append one event. Runs inside the caller's transaction, so it commits or rolls back
    with the change it describes; without a savepoint of its own (a failed audit write fails
    the whole change, and a savepoint would cost two more round trips)."""
    _lock_chain()
    last = _LAST_LINK.first()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
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
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    _APPEND.insert(event)
    return event


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
