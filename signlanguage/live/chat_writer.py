"""Where a chat message is written from the websocket: one writer thread per process that
stores the messages arriving while it is busy together, in one transaction.

SQLite (the embedded default): the database has one writer at a time. Measured with 100 live
sessions, pool threads queued on the write lock inside SQLite's busy handler, whose back-off
sleeps put seconds on p50. PostgreSQL (scale-out): a pool thread per message, each its own
autocommitted statement, waited for its own commit and WAL flush; batched, one commit serves
the batch — measured back to back at 100 sessions, p99 157 / 123 ms per message against
85 / 84 ms batched (decision 0006).

In a batch a repeated client id, a closed session or any other failure of one message
(whatever it raises) affects only itself, and every sender hears `chat.ack` only after the
transaction that holds its message has committed. On SQLite each message has its own
savepoint; on PostgreSQL a repeat or a closed session raises nothing, and any failure rolls
the batch back and stores each of its messages alone (SAVEPOINT_EACH). On
PostgreSQL a message locks its session's counter row until the batch commits; a batch takes
those locks in ascending session order, so the writers of two processes never wait on each
other in a cycle (no deadlock).

The sender's HTTP session, when its socket's watch is due to read it again (once a second of
frames at most: access_support/session_watch.py), is read here too (SessionCheck), for the whole
batch in one query before anything is stored: a message whose session has ended is not stored
and its socket closes with 4401, as if the read had happened before the frame was handled.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.db import DatabaseError, close_old_connections, connection, transaction

from access_support.masking import mask_card_numbers
from access_support.session_watch import session_deadlines
from signlanguage.live import services as live_services

MAX_BATCH = 200
# Which databases get the batching writer (True) rather than a pool thread per message (see the
# module's docstring for the figures).
BATCHED = {"sqlite": True, "postgresql": True}
# Whether each message of a batch runs in a savepoint of its own. PostgreSQL: no. Its statement
# raises nothing for a closed session or a repeated client id (services._insert_message_sql),
# and any other failure rolls the batch back and stores each message alone, so the savepoint's
# two round trips per message (SAVEPOINT, RELEASE) buy nothing; measured in docs/performance.md.
# SQLite: a savepoint is no round trip, and it keeps the batch when one message fails.
SAVEPOINT_EACH = {"sqlite": True, "postgresql": False}
_WRITER_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-writer")


def off_loop(fn: Any, executor: ThreadPoolExecutor | None = None) -> Any:
    """`fn` as an awaitable run on a pool thread (or `executor`), not asgiref's one shared
    thread (measured on this stack). The connection is released inside the call as well: measured on
    PostgreSQL with the connection pool, the clean-up database_sync_to_async does around the
    call alone left pooled connections checked out from executor threads until the pool ran
    dry."""

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return database_sync_to_async(call, thread_sensitive=False, executor=executor)


class _BatchBroken(Exception):
    """A message's failure left the batch's transaction unusable: roll it back, store alone."""


def store_batch(items: list[dict[str, Any]]) -> list[Any]:
    """Store several messages in one transaction (on PostgreSQL a batch of one is its one
    statement in autocommit); per item a PostResult or the exception that message met. Stored
    in ascending session order (a stable sort: one session's messages keep their order), so
    concurrent batches lock sessions' counter rows in the same order.

    A message's own failure, of any kind (a LiveError, or e.g. UnicodeEncodeError from text the
    driver cannot encode), is its answer and the others are stored. On SQLite message_post
    writes inside its own savepoint (transaction.atomic in an atomic block), which rolls back
    on any exception. On PostgreSQL it writes without one (SAVEPOINT_EACH): any failure there
    rolls the batch back and each message is stored alone, in a transaction of its own. If
    the transaction itself fails (a database error, or a failure that left it marked for
    rollback), nothing of it is stored and each message is tried again on its own, so one
    failure does not cost every sender in the batch their message."""
    savepoints = SAVEPOINT_EACH.get(connection.vendor, True)
    if len(items) == 1 and not savepoints:
        # PostgreSQL, a batch of one (most batches at one message per session every few
        # seconds): its one statement is a transaction of its own (_store_alone).
        return [_store_alone(items[0])]
    results: list[Any] = [None] * len(items)
    order = sorted(range(len(items)), key=lambda i: int(items[i]["session_id"]))
    try:
        with transaction.atomic():
            for i in order:
                try:
                    results[i] = live_services.message_post(**items[i], savepoint=savepoints)
                except live_services.LiveError as exc:
                    results[i] = exc
                except DatabaseError:
                    raise  # the transaction may be aborted (PostgreSQL): retry each alone
                except Exception as exc:
                    if not savepoints or connection.needs_rollback:
                        raise _BatchBroken from exc
                    results[i] = exc
    except Exception as exc:
        # Alone already (with its savepoint: a lone PostgreSQL message never gets here):
        # trying again alone would fail the same way.
        if len(items) == 1:
            if isinstance(exc, _BatchBroken) and isinstance(exc.__cause__, Exception):
                raise exc.__cause__ from None
            raise
        return [_store_alone(item) for item in items]
    return results


def _store_alone(item: dict[str, Any]) -> Any:
    """One message in a transaction of its own, as message_post makes it outside one: on
    PostgreSQL its one statement in autocommit (committed, WAL flushed, when it returns: one
    round trip instead of BEGIN, the statement and COMMIT), on SQLite its own atomic block."""
    try:
        return live_services.message_post(**item)
    except Exception as exc:  # this message's answer, whatever it is; never another's
        return exc


class SessionEnded(Exception):
    """The sender's HTTP session has ended (SessionCheck): nothing was stored."""


@dataclass
class SessionCheck:
    """The sender's HTTP session, to be read before its message is stored: the socket's
    `SessionWatch` is due (access_support/session_watch.py). The writer reads the sessions of a
    whole batch in one query, on its own thread, instead of each frame waiting for a read of its
    own on another thread first. `deadline` is the answer (None: ended, nothing stored)."""

    key: str
    user_id: Any
    deadline: float | None = None


def _read_sessions(checks: list[SessionCheck]) -> None:
    if not checks:
        return
    deadlines = session_deadlines([(check.key, check.user_id) for check in checks])
    for check in checks:
        check.deadline = deadlines[(check.key, check.user_id)]


def write_batch(items: list[dict[str, Any]], checks: list[SessionCheck | None]) -> list[Any]:
    """`store_batch` for the messages whose sender's session lasts: the sessions to check are
    read first, in one query; a message whose session has ended is answered SessionEnded and
    not stored."""
    _read_sessions([check for check in checks if check is not None])
    live = [i for i, check in enumerate(checks) if check is None or check.deadline is not None]
    results: list[Any] = [SessionEnded() for _ in items]
    if live:
        stored = store_batch([items[i] for i in live])
        for i, result in zip(live, stored, strict=True):
            results[i] = result
    return results


def _write_alone(item: dict[str, Any], check: SessionCheck | None) -> Any:
    if check is not None:
        try:
            _read_sessions([check])
        except Exception as exc:  # this message's answer
            return exc
        if check.deadline is None:
            return SessionEnded()
    return _store_alone(item)


def _check_and_post(item: dict[str, Any], check: SessionCheck | None) -> Any:
    """Unbatched: the check, then the message on its own."""
    if check is not None:
        _read_sessions([check])
        if check.deadline is None:
            raise SessionEnded
    return live_services.message_post(**item)


_Waiting = tuple[dict[str, Any], SessionCheck | None, asyncio.Future[Any]]


class _Batcher:
    """One per event loop (one per process in production; tests start a loop per test)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[_Waiting] = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def post(self, item: dict[str, Any], check: SessionCheck | None) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((item, check, future))
        return await future

    async def run(self) -> None:
        write = off_loop(write_batch, _WRITER_THREAD)
        write_alone = off_loop(_write_alone, _WRITER_THREAD)
        while True:
            batch = [await self.queue.get()]
            while len(batch) < MAX_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                results = await write([item for item, _, _ in batch], [c for _, c, _ in batch])
            except Exception as exc:
                if len(batch) == 1:
                    if not batch[0][2].done():
                        batch[0][2].set_exception(exc)
                    continue
                # Unexpected (store_batch answers each message's own failure itself): store
                # each alone, so whatever it was fails at most the message that caused it. A
                # message the batch did commit is found again by its client id, not doubled.
                results = []
                for item, check, _ in batch:
                    try:
                        results.append(await write_alone(item, check))
                    except Exception as alone_exc:  # noqa: BLE001 - that message's answer
                        results.append(alone_exc)
            for (_, _, future), result in zip(batch, results, strict=True):
                if future.done():  # the sender went away meanwhile
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)


_batchers: dict[asyncio.AbstractEventLoop, _Batcher] = {}


async def post_message(
    *, session_check: SessionCheck | None = None, **item: Any
) -> live_services.PostResult:
    """Store one message and return once it is committed (see the module's docstring). With
    `session_check`, the sender's HTTP session is read first, in the same hop: SessionEnded
    (nothing stored) if it has ended, else its expiry is in `session_check.deadline`."""
    # Masked here, before the message joins a batch: the batch's transaction (and every other
    # session's acknowledgement in it) must not wait on masking. Linear: a hostile 2,000
    # characters take ~3.5 ms, an ordinary message ~25 µs, so the event loop can afford it.
    item["text"], item["masked"] = mask_card_numbers(item["text"])
    if not BATCHED.get(connection.vendor, True):
        result: live_services.PostResult = await off_loop(_check_and_post)(item, session_check)
        return result
    loop = asyncio.get_running_loop()
    batcher = _batchers.get(loop)
    if batcher is None or batcher.task.done():
        for old in [other for other in _batchers if other.is_closed()]:
            del _batchers[old]
        batcher = _batchers[loop] = _Batcher()
    result = await batcher.post(item, session_check)
    return result
