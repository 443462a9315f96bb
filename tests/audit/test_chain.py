"""The audit chain: verifies, detects tampering, refuses updates, survives concurrent writers."""

from __future__ import annotations

import hashlib
import threading

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from hypothesis import given, settings
from hypothesis import strategies as st

from access_support.audit import services as audit
from access_support.audit.models import AuditEvent, _body


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


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(
    seq=st.integers(min_value=1, max_value=2**62),
    subject=st.none() | st.integers(min_value=1, max_value=2**62),
    actor=st.none() | st.integers(min_value=1, max_value=2**62),
    text=st.text(),
    before=_json,
    after=_json,
)
# No deadline: on a loaded two-core CI machine one example can take longer than Hypothesis's
# default 200 ms, which would fail the run for a reason the test does not test.
@settings(deadline=None)
def test_the_hashed_body_splits_around_its_seq(seq, subject, actor, text, before, after):
    """PostgreSQL numbers and hashes a row from two pieces (audit_append): around any sequence
    number they rebuild exactly the body compute_hash hashes — nested "seq" keys included."""
    import datetime

    event = AuditEvent(
        seq=seq,
        created_at=datetime.datetime(2026, 11, 26, 9, 30, 1, 123456, tzinfo=datetime.UTC),
        actor_id=actor,
        subject_user_id=subject,
        action="test.split",
        reason=text,
        object_id=text[:64],
        before=before if not isinstance(before, dict) else {**before, "seq": seq + 1},
        after=after,
        request_id="r-1",
        prev_hash="a" * 64,
    )
    head, tail = event.hash_parts()
    body = head + str(seq) + tail
    assert body == _body(event.payload())
    # The hash, computed from the pieces (as audit_append does), is the chain's documented one:
    # sha256 of prev_hash and the row's JSON body — so rows written before stay valid.
    assert hashlib.sha256((event.prev_hash + body).encode()).hexdigest() == event.compute_hash()


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_numbers_and_hashes_rows_as_python_does():
    """Rows appended by audit_append carry the hash Python computes from the stored row, and
    link to their predecessor, whatever the text (Japanese, quotes, backslashes, emoji)."""
    reasons = ["理由", 'quote " and \\ backslash', "絵文字 🙂", "", "seq:1,"]
    for reason in reasons:
        audit.record(action="test.pg", reason=reason, after={"seq": 99, "k": [reason]})
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [r.reason for r in rows[-5:]] == reasons
    for earlier, later in zip(rows, rows[1:]):
        assert later.seq == earlier.seq + 1 and later.prev_hash == earlier.hash
    assert all(r.compute_hash() == r.hash for r in rows)
    assert audit.verify_chain().ok


def test_audit_appends_parameters_are_the_rows_columns():
    """APPEND_PARAMETERS, the one list audit_append's call is built from, names every column of
    the row except those the function fills in (id, seq, prev_hash, hash): a new column the
    function does not take fails here, on either database."""
    columns = {field.column for field in AuditEvent._meta.concrete_fields}
    passed = {name.removeprefix("p_") for name, _type in audit.APPEND_PARAMETERS}
    assert columns - passed == {"id", "seq", "prev_hash", "hash"}
    assert passed - columns == {"lock", "head", "tail", "genesis"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_audit_append_in_the_database_takes_the_one_parameter_list():
    """The function's signature in pg_proc is APPEND_PARAMETERS — names, types and order — so a
    migration that changes one side without the other fails here (decision 0016)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proargnames, pg_get_function_identity_arguments(oid) FROM pg_proc "
            "WHERE proname = 'audit_append'"
        )
        rows = cursor.fetchall()
    assert len(rows) == 1, rows  # one function of that name: no stale overload
    # proargnames also lists the OUT columns (RETURNS TABLE) after the IN ones.
    names, identity = rows[0]
    assert names[: len(audit.APPEND_PARAMETERS)] == [n for n, _t in audit.APPEND_PARAMETERS]
    assert identity == ", ".join(f"{n} {t}" for n, t in audit.APPEND_PARAMETERS)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_desks_own_function_is_gone():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'desk_spend_code'")
        assert cursor.fetchone() == (0,)


# Text PostgreSQL stores: UTF-8, no NUL (the application refuses lone surrogates and NUL at its
# edges).
_pg_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))
_pg_json = st.recursive(
    st.none() | st.booleans() | st.integers() | _pg_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_pg_text, inner, max_size=3),
    max_leaves=8,
)


@pytest.mark.postgres
@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(
    reason=_pg_text.filter(lambda t: len(t) <= 255),
    object_id=_pg_text.filter(lambda t: len(t) <= 64),
    before=_pg_json,
    after=_pg_json,
)
def test_postgresql_hashes_any_row_as_python_does(reason, object_id, before, after):
    """audit_append's hash (PL/pgSQL) equals AuditEvent.compute_hash (Python, the one rule:
    models.chain_hash) for any text and any JSON: the one place the rule is restated is held to
    it (decision 0016)."""
    audit.record(
        action="test.pg_hash",
        reason=reason,
        object_id=object_id,
        before=before if isinstance(before, dict) else {"v": before},
        after=after if isinstance(after, dict) else {"v": after},
    )
    stored = AuditEvent.objects.order_by("-seq").first()
    assert stored is not None and stored.reason == reason
    assert stored.hash == stored.compute_hash()
