"""Prepared primary-key reads (access_support/speedups/prepared.py): the reads of every signed-in
request
(session; second-factor device with its user) return what the ORM returns, and nothing is kept
across requests (a sign-out, a deactivated user or a removed device counts on the very next
request)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_email.models import EmailDevice

from access_support.accounts.models import User
from access_support.accounts.services import email_device_for
from access_support.speedups.queries import by_primary_key

pytestmark = pytest.mark.django_db


def same_fields(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    assert a.pk == b.pk
    for field in a._meta.concrete_fields:
        assert getattr(a, field.attname) == getattr(b, field.attname), field.attname
    assert a._state.adding is False and a._state.db == b._state.db


def test_a_user_read_is_the_orm_row_with_its_types(make_user: Any) -> None:
    user = make_user("operator", skills=["sign_language"])
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        read = by_primary_key(User).get(user.pk)
    assert len(queries) == 1
    assert read is not None
    orm = User.objects.get(pk=user.pk)
    same_fields(read, orm)
    assert read.last_login is not None and read.last_login.tzinfo is not None
    assert read.is_active is True and read.is_operator
    assert model_to_dict(read) == model_to_dict(orm)
    # The key may come as a string, as it does from the session.
    same_fields(by_primary_key(User).get(str(user.pk)), orm)


def test_a_missing_row_is_none(make_user: Any) -> None:
    assert by_primary_key(User).get(987654) is None
    assert by_primary_key(Session).get("no-such-session") is None


@pytest.mark.parametrize("key", [2**63, -(2**63) - 1, 2**70, str(2**64)])
def test_a_key_out_of_the_columns_range_is_none_like_the_orm(key: Any) -> None:
    """A key past the integer column's range finds no row, as the stock lookup answers (the
    compiled read gave the driver the number, and sqlite3 raised OverflowError)."""
    assert User.objects.filter(pk=key).first() is None
    assert by_primary_key(User).get(key) is None


def test_a_device_and_a_session_are_read_like_the_orm(make_user: Any, client: Any) -> None:
    user = make_user("member")
    device = email_device_for(user)
    assert device is not None
    same_fields(by_primary_key(EmailDevice).get(device.pk), EmailDevice.objects.get(pk=device.pk))
    client.force_login(user)
    key = client.session.session_key
    read = by_primary_key(Session).get(key)
    assert read is not None
    same_fields(read, Session.objects.get(pk=key))
    assert read.get_decoded()["_auth_user_id"] == str(user.pk)


def test_each_request_reads_the_rows_again(make_user: Any, signed_in: Any) -> None:
    """Nothing is cached across requests: a removed device, a deactivated user and a deleted or
    expired session each take effect on the next request."""
    user = make_user("member")
    client = signed_in(user)
    assert client.get("/api/v1/me").status_code == 200
    EmailDevice.objects.filter(user=user).delete()
    assert client.get("/api/v1/me").json()["error"] == "otp_required"

    client = signed_in(make_user("member", username="second"))
    assert client.get("/api/v1/me").status_code == 200
    User.objects.filter(username="second").update(is_active=False)
    assert client.get("/api/v1/me").json()["error"] == "not_authenticated"

    client = signed_in(make_user("member", username="third"))
    assert client.get("/api/v1/me").status_code == 200
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get("/api/v1/me").json()["error"] == "not_authenticated"


@pytest.mark.speedups_only
def test_a_signed_in_request_reads_its_session_then_its_device_with_its_user(
    make_user: Any, signed_in: Any
) -> None:
    """Two reads: the session, then the second-factor device joined to the user it belongs to
    (auth's get_user takes that row: no third read)."""
    user = make_user("member")
    client = signed_in(user)
    assert client.get("/api/v1/me").json()["username"] == user.username
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/session").status_code == 200
    tables = [q["sql"].split(" FROM ")[1].split()[0].strip('"') for q in queries]
    assert tables == ["django_session", "otp_email_emaildevice"]
    assert '"accounts_user"' in queries[1]["sql"]  # the join


def test_a_device_of_another_user_neither_verifies_nor_signs_in_its_owner(
    make_user: Any, signed_in: Any
) -> None:
    """The user row read with the device is used only when it is the session's user: a session
    naming someone else's device stays the session's own user, and unverified."""
    owner, other = make_user("operator", username="owner"), make_user("member", username="other")
    client = signed_in(other)
    assert client.get("/api/v1/me").json()["username"] == "other"
    foreign = email_device_for(owner)
    assert foreign is not None
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = foreign.persistent_id
    session.save()
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/v1/me").json()
    assert answer["error"] == "otp_required"
    assert any(' FROM "accounts_user"' in q["sql"] for q in queries)  # the session's own user
    session = client.session
    assert DEVICE_ID_SESSION_KEY not in session  # django-otp dropped the foreign device
    assert session["_auth_user_id"] == str(other.pk)


def test_a_deactivated_user_with_a_valid_device_is_signed_out(
    make_user: Any, signed_in: Any
) -> None:
    user = make_user("member", username="leaving")
    client = signed_in(user)
    assert client.get("/api/v1/me").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/api/v1/me").json()["error"] == "not_authenticated"


def test_the_last_link_is_read_with_only_its_two_fields(make_user: Any) -> None:
    from access_support.audit import services as audit
    from access_support.audit.models import AuditEvent

    make_user("member")  # creating a user is audited
    last = audit._LAST_LINK.first()
    newest = AuditEvent.objects.order_by("-seq").first()
    assert last is not None and newest is not None
    assert (last.seq, last.hash) == (newest.seq, newest.hash)
    assert last.get_deferred_fields() >= {"action", "after"}


def test_a_sample_must_be_exactly_one_parameter() -> None:
    from access_support.speedups.prepared import Prepared

    twice = Prepared(User, lambda n: User.objects.filter(username=n, email=n), ("sample",))
    with pytest.raises(ValueError, match="not exactly one parameter"):
        twice.all("someone")
    with pytest.raises(TypeError):
        twice.all()


# --- prepared writes: the audit append and the desk spending a code --------------------------


def test_a_prepared_audit_insert_stores_what_save_stores(make_user: Any) -> None:
    """The audit append's compiled INSERT: same row as Model.save, JSON and time included, the
    primary key set, one query, and the chain still verifies."""
    from access_support.audit import services as audit
    from access_support.audit.models import AuditEvent
    from access_support.speedups.prepared import PreparedInsert

    member = make_user("member")
    with CaptureQueriesContext(connection) as queries:
        event = audit.record(
            action="test.prepared",
            actor=member,
            subject_user=member,
            reason="理由",
            before=None,
            after={"nested": {"list": [1, "二", None]}, "flag": True},
        )
    if connection.vendor == "postgresql":
        # Lock, last link, numbering, hash and INSERT: one statement (decision 0011).
        assert [q["sql"].split("(")[0] for q in queries] == ["SELECT * FROM audit_append"]
    else:
        inserts = [q["sql"] for q in queries if q["sql"].upper().startswith("INSERT")]
        assert len(inserts) == 1
    assert event.seq == AuditEvent.objects.order_by("-seq").values_list("seq", flat=True)[0]
    assert event.pk is not None and event._state.adding is False
    stored = AuditEvent.objects.get(pk=event.pk)
    same_fields(event, stored)
    assert stored.after == {"nested": {"list": [1, "二", None]}, "flag": True}
    assert stored.before is None
    assert stored.created_at == event.created_at and stored.created_at.tzinfo is not None
    assert stored.compute_hash() == stored.hash
    assert audit.verify_chain().ok

    # Twice through the same plan gives two rows with their own keys.
    second = PreparedInsert(AuditEvent)
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    copy = AuditEvent(
        seq=last.seq + 1,
        created_at=timezone.now(),
        action="test.copy",
        prev_hash=last.hash,
        after=[1, 2],
    )
    copy.hash = copy.compute_hash()
    second.insert(copy)
    assert copy.pk == AuditEvent.objects.get(action="test.copy").pk != event.pk
    assert audit.verify_chain().ok


def test_a_failed_prepared_insert_writes_nothing(make_user: Any) -> None:
    """A constraint the row breaks fails the insert like save() would, and no row is left."""
    from django.db import IntegrityError, transaction

    from access_support.audit.models import AuditEvent
    from access_support.speedups.prepared import PreparedInsert

    make_user("member")
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    before = AuditEvent.objects.count()
    duplicate = AuditEvent(seq=last.seq, created_at=timezone.now(), action="x", prev_hash="p")
    duplicate.hash = "h"
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            PreparedInsert(AuditEvent).insert(duplicate)
        # As after a failed save(): the enclosing transaction is marked to roll back.
        assert transaction.get_rollback() is True
    assert AuditEvent.objects.count() == before
    assert duplicate._state.adding is True


def test_a_prepared_insert_writes_the_columns_save_writes_and_sends_its_signals(
    make_user: Any,
) -> None:
    """Raw column values (time zone, JSON text) equal those of a twin written by Model.save, and
    pre_save / post_save go out once each; a caller-chosen key goes through save itself."""
    from django.db.models import signals

    from access_support.audit.models import AuditEvent
    from access_support.speedups.prepared import PreparedInsert

    actor = make_user("operator")
    moment = timezone.now()

    def event(seq: int, tag: str) -> AuditEvent:
        return AuditEvent(
            seq=seq,
            created_at=moment,
            actor=actor,
            action="test.twin",
            after={"日本語": [1, None, {"x": 1.5}]},
            prev_hash=f"prev-{tag}",
            hash=f"hash-{tag}",
        )

    seen: list[tuple[str, bool]] = []

    def pre(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(("pre", instance.pk is None))

    def post(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        seen.append(("post", created and instance.pk is not None))

    twin = event(10_000_001, "orm")
    twin.save(force_insert=True)
    signals.pre_save.connect(pre, sender=AuditEvent)
    signals.post_save.connect(post, sender=AuditEvent)
    try:
        prepared = PreparedInsert(AuditEvent).insert(event(10_000_002, "prepared"))
    finally:
        signals.pre_save.disconnect(pre, sender=AuditEvent)
        signals.post_save.disconnect(post, sender=AuditEvent)
    assert seen == [("pre", True), ("post", True)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT created_at, after, actor_id FROM audit_auditevent WHERE id IN (%s, %s)"
            " ORDER BY seq",
            [twin.pk, prepared.pk],
        )
        by_orm, by_plan = cursor.fetchall()
    assert by_plan == by_orm

    chosen = event(10_000_003, "chosen")
    chosen.id = 987_654
    PreparedInsert(AuditEvent).insert(chosen)
    assert AuditEvent.objects.filter(pk=987_654, action="test.twin").exists()


def test_a_prepared_update_changes_only_matching_rows(make_user: Any) -> None:
    from access_support.speedups.prepared import PreparedUpdate

    a, b = make_user("member"), make_user("member")
    deactivate = PreparedUpdate(
        User,
        lambda pk: User.objects.filter(pk=pk, is_active=True),
        (-7130009,),
        {"last_login": timezone.now(), "is_active": True},
    )
    moment = timezone.now() - timedelta(days=3)
    with CaptureQueriesContext(connection) as queries:
        changed = deactivate.run((moment, False), a.pk)
    assert changed == 1 and len(queries) == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.is_active is False and a.last_login == moment
    assert b.is_active is True and b.last_login != moment
    # The condition holds: the row no longer matches, nothing changes.
    assert deactivate.run((timezone.now(), False), a.pk) == 0
    a.refresh_from_db()
    assert a.last_login == moment
    with pytest.raises(TypeError):
        deactivate.run((moment,), a.pk)
    with pytest.raises(TypeError, match="ints and strings"):
        deactivate.run((moment, False), float(a.pk))


def test_a_prepared_update_refuses_what_it_cannot_compile() -> None:
    from access_support.speedups.prepared import PreparedUpdate

    related = PreparedUpdate(
        User, lambda pk: User.objects.filter(pk=pk), (-7130010,), {"groups": None}
    )
    with pytest.raises(ValueError, match="own plain fields only"):
        related.run((None,), 1)
    twice = PreparedUpdate(
        User, lambda n: User.objects.filter(username=n, email=n), ("s",), {"is_active": True}
    )
    with pytest.raises(ValueError, match="not exactly one parameter"):
        twice.run((False,), "someone")
