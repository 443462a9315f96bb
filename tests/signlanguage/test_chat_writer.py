"""The chat writer (signlanguage.live.chat_writer): messages that arrive together are stored in one
transaction, each answered as if it had been stored alone."""

# ruff: noqa: F811 (pytest fixtures imported from live_fixtures are redefined as arguments)
from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from signlanguage.live import chat_writer
from signlanguage.models import ChatMessage
from tests.signlanguage.live_fixtures import make_session  # noqa: F401 (fixture)


def item(session: Any, user: Any, text: str, client_id: uuid.UUID | None = None) -> dict[str, Any]:
    return {
        "session_id": session.pk,
        "sender": user,
        "role": "customer",
        "client_id": client_id or uuid.uuid4(),
        "text": text,
    }


@pytest.mark.django_db
def test_a_batch_answers_each_message_as_if_alone(senior, operator, make_session):
    open_session = make_session(senior, operator)
    closed_session = make_session(senior, operator, state="closed")
    repeated = uuid.uuid4()
    results = chat_writer.store_batch(
        [
            item(open_session, senior, "一通目", repeated),
            item(open_session, senior, "二通目"),
            item(open_session, senior, "一通目(再送)", repeated),
            item(closed_session, senior, "終わった後"),
            item(open_session, senior, "カード 4111 1111 1111 1111"),
        ]
    )
    assert [(r.seq, r.created, r.closed) for r in results] == [
        (1, True, False),
        (2, True, False),
        (1, False, False),  # the repeat gets the original's seq and is not stored again
        (None, False, True),
        (3, True, False),
    ]
    assert results[4].masked and "4111" not in results[4].frame["text"]
    stored = ChatMessage.objects.filter(session=open_session).order_by("seq")
    assert [(m.seq, m.text) for m in stored][:2] == [(1, "一通目"), (2, "二通目")]
    assert stored.count() == 3
    assert not ChatMessage.objects.filter(session=closed_session).exists()


@pytest.mark.django_db(transaction=True)
async def test_messages_sent_at_once_are_all_stored_gapless_and_acknowledged_after_commit(
    senior, operator, make_session
):
    from channels.db import database_sync_to_async

    session = await database_sync_to_async(make_session)(senior, operator)
    results = await asyncio.gather(
        *(chat_writer.post_message(**item(session, senior, f"{n}")) for n in range(30))
    )
    assert sorted(r.seq for r in results) == list(range(1, 31))

    @database_sync_to_async
    def stored() -> list[int]:
        return list(ChatMessage.objects.filter(session=session).values_list("seq", flat=True))

    # Every answer came after its commit: another connection sees all 30 rows at once.
    assert sorted(await stored()) == list(range(1, 31))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_batches_over_the_same_sessions_do_not_deadlock(
    senior, member_b, operator, make_session, monkeypatch
):
    """Each message locks its session's counter row until its batch commits. Two writers (two
    daphne processes) holding batches for sessions A, B and B, A must not wait on each other in
    a cycle: PostgreSQL would abort one batch as a deadlock and every sender in it would get an
    error instead of an ack."""
    import threading
    import time

    from django.db import connection

    from signlanguage.live import services as live_services

    one, two = make_session(senior, operator), make_session(member_b, operator)
    real_post = live_services.message_post

    def slow_post(**kwargs: Any) -> Any:
        result = real_post(**kwargs)
        time.sleep(0.3)  # the other writer runs meanwhile, holding its own lock
        return result

    monkeypatch.setattr(live_services, "message_post", slow_post)
    answers: dict[str, Any] = {}
    start = threading.Barrier(2)

    def writer(name: str, sessions: list[Any]) -> None:
        start.wait()
        try:
            answers[name] = chat_writer.store_batch([item(s, senior, name) for s in sessions])
        except Exception as exc:  # a deadlock aborts the whole batch
            answers[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=writer, args=("a-then-b", [one, two])),
        threading.Thread(target=writer, args=("b-then-a", [two, one])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(r, list) for r in answers.values()), answers
    assert sorted(r.seq for batch in answers.values() for r in batch) == [1, 1, 2, 2]
    for session in (one, two):
        assert ChatMessage.objects.filter(session=session).count() == 2


@pytest.mark.django_db
def test_a_database_error_in_a_batch_costs_only_its_own_message(
    senior, operator, make_session, monkeypatch
):
    """A batch is one transaction: when it fails, each message is stored again on its own, so
    the other senders still get their messages stored and acknowledged."""
    from django.db import OperationalError

    from signlanguage.live import services as live_services

    session = make_session(senior, operator)
    real_post = live_services.message_post

    def failing_post(**kwargs: Any) -> Any:
        if kwargs["text"] == "壊れる":
            raise OperationalError("connection lost")
        return real_post(**kwargs)

    monkeypatch.setattr(live_services, "message_post", failing_post)
    results = chat_writer.store_batch(
        [item(session, senior, "前"), item(session, senior, "壊れる"), item(session, senior, "後")]
    )
    assert [r.seq for r in (results[0], results[2])] == [1, 2]
    assert isinstance(results[1], OperationalError)
    stored = ChatMessage.objects.filter(session=session).order_by("seq")
    assert [m.text for m in stored] == ["前", "後"]


@pytest.mark.django_db
def test_a_repeat_met_at_the_same_moment_gets_the_original_and_spares_the_batch(
    senior, operator, make_session, monkeypatch
):
    """Two sockets sending one client id at the same moment: the statement's own check cannot
    see the other's uncommitted row, so the unique constraint answers (IntegrityError). On
    PostgreSQL the batch runs without savepoints: the batch is rolled back and each message is
    stored alone, so the repeat still gets the original's seq and the others are stored,
    gapless."""
    from django.db import IntegrityError

    from signlanguage.live import services as live_services

    session = make_session(senior, operator)
    repeated = uuid.uuid4()
    [original] = chat_writer.store_batch([item(session, senior, "一通目", repeated)])
    real_insert = live_services._insert_message
    raced: list[bool] = []

    def racing_insert(session_id: int, fields: list[Any]) -> Any:
        if uuid.UUID(str(fields[0])) == repeated and not raced:
            raced.append(True)  # as if the other sender committed just before the constraint
            raise IntegrityError("duplicate key value violates chat_message_client_id_unique")
        return real_insert(session_id, fields)

    monkeypatch.setattr(live_services, "_insert_message", racing_insert)
    results = chat_writer.store_batch(
        [
            item(session, senior, "二通目"),
            item(session, senior, "一通目(再送)", repeated),
            item(session, senior, "三通目"),
        ]
    )
    assert raced
    assert [(r.seq, r.created) for r in results] == [(2, True), (1, False), (3, True)]
    assert original.seq == 1
    stored = ChatMessage.objects.filter(session=session).order_by("seq")
    assert [(m.seq, m.text) for m in stored] == [(1, "一通目"), (2, "二通目"), (3, "三通目")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the batch's own transaction, not a test's savepoint
def test_a_postgresql_batch_stores_each_message_without_a_savepoint(
    senior, member_b, operator, make_session
):
    """One statement per message and one commit per batch: no SAVEPOINT / RELEASE round trips
    (a repeat and a closed session raise nothing: services._insert_message_sql)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    one, two = make_session(senior, operator), make_session(member_b, operator)
    closed = make_session(senior, operator, state="closed")
    repeated = uuid.uuid4()
    with CaptureQueriesContext(connection) as captured:
        results = chat_writer.store_batch(
            [
                item(one, senior, "一", repeated),
                item(two, member_b, "二"),
                item(one, senior, "一(再送)", repeated),
                item(closed, senior, "終わった後"),
            ]
        )
    assert [(r.seq, r.created, r.closed) for r in results] == [
        (1, True, False),
        (1, True, False),
        (1, False, False),
        (None, False, True),
    ]
    sql = [q["sql"].upper() for q in captured.captured_queries]
    assert not [s for s in sql if "SAVEPOINT" in s], sql


@pytest.mark.django_db
def test_a_batch_reads_its_senders_sessions_in_one_query_and_stores_only_theirs_that_last(
    senior, member_b, operator, make_session, signed_in
):
    """The sessions of the batch's sockets that are due to be read (SessionCheck) are read in
    one query before anything is stored; a message whose session has ended is not stored."""
    from django.contrib.sessions.models import Session as HttpSession
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    one, two = make_session(senior, operator), make_session(member_b, operator)
    alive = signed_in(senior).cookies["sessionid"].value
    ended = signed_in(member_b).cookies["sessionid"].value
    HttpSession.objects.filter(session_key=ended).delete()
    checks = [
        chat_writer.SessionCheck(alive, senior.pk),
        chat_writer.SessionCheck(ended, member_b.pk),
        None,  # this socket read its session less than a second ago
    ]
    with CaptureQueriesContext(connection) as captured:
        results = chat_writer.write_batch(
            [item(one, senior, "一"), item(two, member_b, "二"), item(one, senior, "三")], checks
        )
    assert [getattr(r, "seq", None) for r in results] == [1, None, 2]
    assert isinstance(results[1], chat_writer.SessionEnded)
    assert checks[0] is not None and checks[0].deadline is not None
    assert checks[1] is not None and checks[1].deadline is None
    reads = [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]
    assert len(reads) == 1, reads
    assert not ChatMessage.objects.filter(session=two).exists()


@pytest.mark.django_db
def test_a_lone_message_whose_session_ended_is_not_stored_and_one_that_lasts_is(
    senior, operator, make_session, signed_in
):
    """The usual batch, one message with its session due to be read: one read by key (the
    compiled one with the speedups on), then the message stored only if the session lasts."""
    from django.contrib.sessions.models import Session as HttpSession
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session = make_session(senior, operator)
    key = signed_in(senior).cookies["sessionid"].value
    lasting = chat_writer.SessionCheck(key, senior.pk)
    with CaptureQueriesContext(connection) as captured:
        [stored] = chat_writer.write_batch([item(session, senior, "一")], [lasting])
    assert stored.seq == 1 and lasting.deadline is not None
    reads = [q["sql"] for q in captured.captured_queries if "django_session" in q["sql"]]
    assert len(reads) == 1, reads
    someone_else = chat_writer.SessionCheck(key, operator.pk)  # not this user's session
    [refused] = chat_writer.write_batch([item(session, senior, "二")], [someone_else])
    assert isinstance(refused, chat_writer.SessionEnded)
    HttpSession.objects.filter(session_key=key).delete()
    ended = chat_writer.SessionCheck(key, senior.pk)
    [late] = chat_writer.write_batch([item(session, senior, "三")], [ended])
    assert isinstance(late, chat_writer.SessionEnded) and ended.deadline is None
    assert [m.text for m in ChatMessage.objects.filter(session=session)] == ["一"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # autocommit as in the server, not a test's transaction
def test_a_lone_postgresql_message_is_one_autocommitted_statement(senior, operator, make_session):
    """A batch of one (most batches at 1,000 sessions): its statement runs outside any
    transaction block, so it is committed on return with no BEGIN and COMMIT round trips; a
    repeat and a closed session still get their answers that way."""
    from django.db import connection

    session = make_session(senior, operator)
    closed = make_session(senior, operator, state="closed")
    seen: list[tuple[str, bool, bool]] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(
            (sql.lstrip().upper()[:6], connection.in_atomic_block, connection.get_autocommit())
        )
        return execute(sql, params, many, context)

    repeated = uuid.uuid4()
    with connection.execute_wrapper(watch):
        [first] = chat_writer.store_batch([item(session, senior, "一通目", repeated)])
        [again] = chat_writer.store_batch([item(session, senior, "一通目(再送)", repeated)])
        [late] = chat_writer.store_batch([item(closed, senior, "終わった後")])
    assert (first.seq, first.created) == (1, True)
    assert (again.seq, again.created) == (1, False)
    assert late.closed and late.seq is None
    writes = [s for s in seen if s[0].startswith(("WITH", "INSERT"))]
    assert len(writes) == 3, seen
    assert all(not atomic and autocommit for _, atomic, autocommit in writes), seen
    assert [m.text for m in ChatMessage.objects.filter(session=session)] == ["一通目"]
