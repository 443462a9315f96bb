"""The Redis cache shares one connection pool per process (access_support/speedups/cache.py):
Django makes
a cache object per request context, and with its own backend every request opened a new
connection to Redis."""

from __future__ import annotations

import contextvars
from typing import Any

import redis
from django.core.cache import CacheHandler
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from access_support.speedups.cache import RedisCache


def connections_accepted(url: str) -> int:
    return int(redis.Redis.from_url(url).info("stats")["total_connections_received"])


def requests_reading_the_cache(url: str, backend: str, requests: int = 20) -> int:
    """Connections Redis accepted while `requests` request contexts each read the cache."""
    handler = CacheHandler({"default": {"BACKEND": backend, "LOCATION": url}})
    before = connections_accepted(url)

    def one_request() -> Any:
        cache = handler["default"]
        cache.set("shared-pool-probe", 1)
        value = cache.get("shared-pool-probe")
        handler.close_all()  # what Django does when a request finishes
        return value

    for _ in range(requests):
        assert contextvars.Context().run(one_request) == 1
    # The probe's own INFO connection counts once.
    return connections_accepted(url) - before - 1


def test_requests_share_one_connection(redis_url: str) -> None:
    assert requests_reading_the_cache(redis_url, "access_support.speedups.cache.RedisCache") <= 1


def test_django_own_backend_connects_per_request(redis_url: str) -> None:
    """The measurement above can fail: Django's backend opens a connection per context."""
    django_backend = f"{DjangoRedisCache.__module__}.{DjangoRedisCache.__name__}"
    assert requests_reading_the_cache(redis_url, django_backend) >= 20


def test_cache_objects_with_other_settings_do_not_share(redis_url: str) -> None:
    one = RedisCache(redis_url, {})
    two = RedisCache(redis_url, {})
    other = RedisCache(redis_url, {"OPTIONS": {"db": 3}})
    assert one._cache is two._cache
    assert other._cache is not one._cache


def test_each_server_gets_its_own_client(redis_url: str) -> None:
    """A primary and two replicas: writes go to the primary, reads to a replica, and the client
    kept for a server talks to that server (the read server is chosen at random per call)."""
    base = redis_url.rsplit("/", 1)[0]
    cache = RedisCache(f"{base}/4,{base}/5,{base}/6", {})
    for _ in range(50):
        assert cache._cache.get_client(write=True).connection_pool.connection_kwargs["db"] == 4
        assert cache._cache.get_client(write=False).connection_pool.connection_kwargs["db"] in {
            5,
            6,
        }
    kept = cache._cache._clients
    assert {i: c.connection_pool.connection_kwargs["db"] for i, c in kept.items()} == {
        0: 4,
        1: 5,
        2: 6,
    }
