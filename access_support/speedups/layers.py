"""The channel layers (decision 0006; stock layers with the speedups off).

Replaces: Channels' `InMemoryChannelLayer` (overrides its private `_clean_expired`) and
channels-redis's `RedisPubSubChannelLayer` (its private `_get_layer`, `_shards`, `_wrap_close`).
With `SPEEDUPS=off` the settings name the stock classes: the in-memory sweep runs on every send.
A Redis restart no longer depends on the switch: the settings give redis-py's connections one
retry on a connection error (public redis-py options, both modes), which alone sends that first
publish again; the layer's own publish-again below is kept, a second line behind it.

`InMemoryChannelLayer` (embedded default): Channels' in-memory layer, with its expiry sweep run
at most once a second instead of on every send and receive. The stock layer walks every channel
and every group membership on each `send`, `group_send` and `receive` (measured here: it
collapses near 1,000 sockets). Measured with 100 live chat sessions, the sweep was the largest
single cost on the event loop. Expiry is a clean-up of messages nobody received within a minute
and of group memberships a day old; running it a second late changes nothing a client can
notice. One process only: scale-out uses Redis.

`RedisPubSubChannelLayer` (scale-out): channels-redis's pub/sub layer, publishing once more
when the connection it published on turns out to be dead. After a Redis restart every pooled
connection is a closed socket; redis-py notices only when a command fails on it (its pool's
retry count is 0), so the first publish of each process raised ConnectionError, the consumer
closed its socket with 1011 and that message's live broadcast was lost. redis-py drops the
failed connection before raising, so the second attempt connects afresh. Subscriptions
recover by themselves: channels-redis's reader reconnects and redis-py resubscribes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from channels.layers import InMemoryChannelLayer as StockInMemoryChannelLayer
from channels_redis import pubsub
from channels_redis.utils import _wrap_close
from redis.exceptions import ConnectionError as RedisConnectionError

SWEEP_INTERVAL_SECONDS = 1.0

logger = logging.getLogger(__name__)


class InMemoryChannelLayer(StockInMemoryChannelLayer):
    _last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < SWEEP_INTERVAL_SECONDS:
            return
        self._last_sweep = now
        super()._clean_expired()


class _Shard(pubsub.RedisSingleShardConnection):
    async def publish(self, channel: str, message: bytes) -> None:
        try:
            await super().publish(channel, message)
        except RedisConnectionError as exc:
            # Once, not in a loop: if Redis is really down, the caller hears of it at once.
            # Publishing is not repeated on a timeout, which may have reached Redis.
            logger.warning("channel layer: publish failed (%s); publishing again", exc)
            await super().publish(channel, message)


class _LoopLayer(pubsub.RedisPubSubLoopLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shards: list[_Shard] = [_Shard(shard.host, self) for shard in self._shards]


class RedisPubSubChannelLayer(pubsub.RedisPubSubChannelLayer):
    def _get_layer(self) -> _LoopLayer:
        # channels-redis's own `_get_layer`, making `_LoopLayer`s (one per event loop).
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return layer
