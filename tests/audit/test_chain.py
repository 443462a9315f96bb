"""The audit chain: verifies, detects tampering, refuses updates, survives concurrent writers."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from access_support.audit import services as audit
from access_support.audit.models import AuditEvent


def _write_events(n: int) -> None:
    for i in range(n):
        audit.record(action="test.event", reason=f"event {i}", after={"i": i, "名前": "山田"})


@pytest.mark.django_db
def test_a_fresh_chain_verifies(capsys):
    _write_events(5)
    call_command("verify_audit")
    assert "OK: 5 events" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_application_cannot_update_or_delete_an_audit_row():
    _write_events(1)
    event = AuditEvent.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get().reason == "event 0"


def _tamper(seq: int, new_reason: str) -> None:
    """Edit a row behind the application's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch row triggers off for the session; the app's role cannot.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                "UPDATE audit_auditevent SET reason = %s WHERE seq = %s", [new_reason, seq]
            )
            cursor.execute("SET session_replication_role = DEFAULT")
        else:
            cursor.execute("DROP TRIGGER audit_no_update")
            cursor.execute(
                "UPDATE audit_auditevent SET reason = %s WHERE seq = %s", [new_reason, seq]
            )
            cursor.execute(
                "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditevent BEGIN "
                "SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END;"
            )


@pytest.mark.django_db
def test_editing_a_row_makes_verify_audit_exit_1_naming_that_row(capsys):
    _write_events(6)
    _tamper(4, "nothing happened here")
    with pytest.raises(SystemExit) as exited:
        call_command("verify_audit")
    assert exited.value.code == 1
    assert "seq 4" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_forked_chain_is_impossible_two_rows_cannot_share_a_predecessor():
    _write_events(1)
    first = AuditEvent.objects.get()
    clone = AuditEvent(seq=2, created_at=first.created_at, action="x", prev_hash=first.prev_hash)
    clone.hash = clone.compute_hash()
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save(force_insert=True)


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_writers_leave_one_unbroken_chain():
    errors: list[BaseException] = []
    barrier = threading.Barrier(50)

    def writer() -> None:
        try:
            barrier.wait()
            _write_events(1)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert AuditEvent.objects.count() == 50
    result = audit.verify_chain()
    assert result.ok and result.checked == 50, result
