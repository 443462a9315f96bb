"""The embedded default's channel layer: Channels' in-memory layer, with its expiry sweep run at
most once a second instead of on every send and receive.

The stock layer walks every channel and every group membership on each `send`, `group_send`
and `receive` (FIELD-NOTES: it collapses near 1,000 sockets). Measured with 100 live chat
sessions, the sweep was the largest single cost on the event loop. Expiry is a clean-up of
messages nobody received within a minute and of group memberships a day old; running it a
second late changes nothing a client can notice. One process only: scale-out uses Redis.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer

SWEEP_INTERVAL_SECONDS = 1.0


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    _last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL_SECONDS:
            return
        self._last_sweep = now
        super()._clean_expired()
