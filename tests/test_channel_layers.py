"""Item 5 of issue 20: the Redis channel layer is isolated per deployment. Pub/sub channels are
global to a Redis server (its database numbers do not separate them), so two deployments on one
Redis — `redis://…/0` and `redis://…/1` — heard each other's chat messages and sign-outs. The
layers below are configured as settings configure them for two such deployments."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlparse, urlunparse

import pytest

from access_support.settings import channel_layer_prefix, sqlite_database
from access_support.speedups.layers import RedisPubSubChannelLayer

pytestmark = pytest.mark.redis


def other_db(url: str) -> str:
    """The same Redis server, another database number."""
    parsed = urlparse(url)
    number = int(parsed.path.strip("/") or 0)
    return urlunparse(parsed._replace(path=f"/{(number + 1) % 16}"))


def deployment_layer(redis_url: str, database: dict[str, Any]) -> RedisPubSubChannelLayer:
    """The layer settings.py builds for this REDIS_URL and database (its CONFIG, verbatim)."""
    return RedisPubSubChannelLayer(
        hosts=[{"address": redis_url, "socket_timeout": 30, "max_connections": 2000}],
        prefix=channel_layer_prefix(database, redis_url),
    )


async def heard(layer: Any, channel: str, seconds: float) -> list[dict[str, Any]]:
    messages = []
    try:
        while True:
            messages.append(await asyncio.wait_for(layer.receive(channel), seconds))
    except TimeoutError:
        return messages


@pytest.mark.parametrize("differ_by", ["redis_db", "database"])
async def test_two_deployments_on_one_redis_never_hear_each_other(
    redis_url, monkeypatch, tmp_path, differ_by
):
    monkeypatch.delenv("CHANNEL_LAYER_PREFIX", raising=False)
    db_a = sqlite_database(tmp_path / "a.sqlite3")
    if differ_by == "redis_db":  # the same database file, REDIS_URL /N and /N+1
        url_b, db_b = other_db(redis_url), db_a
    else:  # the same REDIS_URL, two databases
        url_b, db_b = redis_url, sqlite_database(tmp_path / "b.sqlite3")
    # Deployment A has two processes (two layer instances); deployment B one.
    a1 = deployment_layer(redis_url, db_a)
    a2 = deployment_layer(redis_url, db_a)
    b = deployment_layer(url_b, db_b)
    try:
        listeners = {}
        for name, layer in (("a1", a1), ("a2", a2), ("b", b)):
            channel = await layer.new_channel()
            # The same group names in both deployments: a session's and a user's group.
            await layer.group_add("live.session.1", channel)
            await layer.group_add("user.1", channel)
            listeners[name] = (layer, channel)

        await a1.group_send("live.session.1", {"type": "chat.message", "text": "from A"})
        await b.group_send("user.1", {"type": "user.signed_out"})

        got = {
            name: await heard(layer, channel, 0.5) for name, (layer, channel) in listeners.items()
        }
        # Within a deployment the message crosses processes; between deployments nothing does.
        assert got["a1"] == [{"type": "chat.message", "text": "from A"}]
        assert got["a2"] == [{"type": "chat.message", "text": "from A"}]
        assert got["b"] == [{"type": "user.signed_out"}]
    finally:
        for layer in (a1, a2, b):
            await layer.flush()
