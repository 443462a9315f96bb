"""Channel-layer group names and broadcasts for the talk-now queue (built only here)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

QUEUE_OPERATORS_GROUP = "signlanguage.queue.operators"
QUEUE_CUSTOMERS_GROUP = "signlanguage.queue.customers"


def queue_groups(*, is_operator: bool) -> list[str]:
    return [QUEUE_OPERATORS_GROUP] if is_operator else [QUEUE_CUSTOMERS_GROUP]


def _send_queue_changed() -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # Each socket recomputes its own view (position or list) from the database, so the
    # message carries no data and nothing is lost if one is dropped and the next one arrives.
    for group in (QUEUE_OPERATORS_GROUP, QUEUE_CUSTOMERS_GROUP):
        async_to_sync(layer.group_send)(group, {"type": "queue.changed"})


def queue_changed() -> None:
    """Tell every queue socket to refresh, once the current transaction commits."""
    transaction.on_commit(_send_queue_changed)


# --- live sessions (issue 5) ------------------------------------------------------------------


def operator_group(user_id: int) -> str:
    """The console (queue) sockets of one operator: a session handed over to them is said there
    (issue 21 item 6, signlanguage.live.transfer)."""
    return f"signlanguage.operator.{user_id}"


def session_group(session_id: int) -> str:
    """Every socket of a live session (customer, proxy, operator) joins this group."""
    return f"live.session.{session_id}"


def session_state_changed(session_id: int, state: str) -> None:
    """Tell every socket of the session its new state once the transaction commits
    (SessionConsumer.session_state sends `session.state`, and closes with 4408 on "closed")."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(
                session_group(session_id), {"type": "session.state", "state": state}
            )

    transaction.on_commit(send)
