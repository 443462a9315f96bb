"""Settings for the floor: a bare Channels relay and a constant view, nothing else.

The floor runs on the same server path as the project in each mode (issue 24 item 3): with the
speedups on (`SPEEDUPS`, as the project reads it), the project's HTTP handler with the long-lived
threads of the scenario's database (`BENCH_FLOOR_VENDOR`), Twisted's form parsing off, the same
channel layer classes and gc.freeze; with them off, Django's and Channels' own throughout. So
each ratio measures the project's own work, not a difference of server paths.
"""

from __future__ import annotations

import os

from access_support.settings import (
    HTTP_SLOW_REQUEST_SECONDS,
    HTTP_SYNC_THREADS,
    HTTP_SYNC_THREADS_ACTIVE,
    SPEEDUPS,
)

SECRET_KEY = "bench-floor-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["channels"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor_asgi"
USE_TZ = True
DATABASES: dict[str, dict[str, str]] = {}
__all__ = [
    "HTTP_SLOW_REQUEST_SECONDS",
    "HTTP_SYNC_THREADS",
    "HTTP_SYNC_THREADS_ACTIVE",
    "SPEEDUPS",
]
# The scenario's database, whose thread settings the floor's handler takes (no database here).
FLOOR_VENDOR = os.environ.get("BENCH_FLOOR_VENDOR", "sqlite")
_redis = os.environ.get("REDIS_URL")
_layer = "access_support.speedups.layers" if SPEEDUPS else None
CHANNEL_LAYERS = (
    {
        "default": {
            "BACKEND": f"{_layer}.RedisPubSubChannelLayer"
            if _layer
            else "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": _redis, "socket_timeout": 30, "max_connections": 2000}]
            },
        }
    }
    if _redis
    # The same in-memory layer as the embedded project, so the ratio measures the project's
    # work, not a difference of layers.
    else {
        "default": {
            "BACKEND": f"{_layer}.InMemoryChannelLayer"
            if _layer
            else "channels.layers.InMemoryChannelLayer"
        }
    }
)
