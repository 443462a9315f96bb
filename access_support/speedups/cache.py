"""Django's Redis cache with one connection pool and one client per process (decision 0008).

Replaces: `django.core.cache.backends.redis.RedisCache` (stock, used with `SPEEDUPS=off`),
reaching into its client's private `_pools`, `_client` and `_get_connection_pool_index`.

Django keeps a cache object per request context (`caches` is context-local under ASGI), and
each object makes its own connection pool: every request opened a new TCP connection to Redis
and built a new client (py-spy: a third of the availability API's time in scale-out). Here all
cache objects of a process with the same settings share one `RedisCacheClient`, its pools and
one redis-py client per pool; redis-py pools are thread-safe and start afresh in a forked child.
`CACHES["default"]["BACKEND"] = "access_support.speedups.cache.RedisCache"`.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends import redis as django_redis
from django.utils.functional import cached_property


class SharedRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, servers: Any, **options: Any) -> None:
        super().__init__(servers, **options)
        self._clients: dict[int, Any] = {}
        self._lock = threading.Lock()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # The server is chosen once (reads pick a replica at random when there are several),
        # and its pool and client are made once, under a lock.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            with self._lock:
                client = self._clients.get(index)
                if client is None:
                    pools = self._pools  # type: ignore[attr-defined]
                    if index not in pools:
                        pools[index] = self._pool_class.from_url(  # type: ignore[attr-defined]
                            self._servers[index],  # type: ignore[attr-defined]
                            **self._pool_options,  # type: ignore[attr-defined]
                        )
                    redis = self._client  # type: ignore[attr-defined]
                    client = self._clients[index] = redis(connection_pool=pools[index])
        return client


_shared: dict[str, SharedRedisCacheClient] = {}
_lock = threading.Lock()


class RedisCache(django_redis.RedisCache):
    @cached_property
    def _cache(self) -> SharedRedisCacheClient:
        servers, options = self._servers, self._options  # type: ignore[attr-defined]
        key = repr((servers, sorted(options.items())))
        with _lock:
            client = _shared.get(key)
            if client is None:
                client = _shared[key] = SharedRedisCacheClient(servers, **options)
        return client
