"""Channels' consumer dispatch without a hop to the shared thread per event (decision 0006).

Replaces: `channels.consumer.AsyncConsumer.dispatch` (stock, used with `SPEEDUPS=off`), which
awaits `aclose_old_connections()` — a `sync_to_async` call on asgiref's one shared thread —
before every websocket frame and every channel-layer event: three per chat message, found with
py-spy as the largest cost on the event loop with 100 live chat sessions (docs/performance.md,
"chat"). Here the handler Channels would pick (`get_handler_name`, a Channels internal) is
called directly. Nothing is lost: every database call of the project's consumers goes through
`database_sync_to_async`, which closes old connections around the call itself.
`ProtectedJsonConsumer` (access_support/consumers.py) takes this mixin first.
"""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name

from access_support.speedups import enabled


class DirectDispatch:
    """Mixed in before a Channels consumer class; Channels' own dispatch when the speedups are
    off."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        if not enabled():
            await super().dispatch(message)  # type: ignore[misc]
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
