"""Settings for the floor: a bare Channels relay and a constant view, nothing else."""

from __future__ import annotations

import os

SECRET_KEY = "bench-floor-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["channels"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor_asgi"
USE_TZ = True
DATABASES: dict[str, dict[str, str]] = {}
_redis = os.environ.get("REDIS_URL")
CHANNEL_LAYERS = (
    {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": _redis, "socket_timeout": 30, "max_connections": 2000}]
            },
        }
    }
    if _redis
    # The same in-memory layer as the embedded project (Channels' own, expiry sweep throttled),
    # so the ratio measures the project's work, not a difference of layers.
    else {"default": {"BACKEND": "access_support.layers.InMemoryChannelLayer"}}
)
