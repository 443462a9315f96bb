"""Speedups: every place the project reaches into Django's, Channels', daphne's, Twisted's,
django-otp's, django-csp's or channels-redis's internals, in one package, behind one switch.

`SPEEDUPS=off` (environment; default on) runs the whole system on the stock paths: the settings
name the stock classes (`access_support.settings`), and the one interface app code uses
(`queries`) runs plain querysets and `Model.save`. The app is correct either way (CI runs the
whole suite both ways on SQLite); the speedups only make it cheaper. When a framework release
breaks one of them, turn them off instead of waiting for a fix. Each module says which stock
behaviour it replaces, what it buys (measured, docs/performance.md) and its decision record:

- `handler`: Django's `ASGIHandler` (`get_asgi_application`) and Twisted's POST form parsing
  (decisions 0007, 0013, 0014);
- `prepared`, through `queries`: querysets, `Model.save` and `update` on the hot reads and
  writes (0008, 0009, 0012, 0014);
- `db.sqlite3`: Django's SQLite backend, `django.db.backends.sqlite3` (0009);
- `csp`: django-csp's `CSPMiddleware` (0010);
- `otp`: django-otp's `OTPMiddleware` (0012);
- `sessions`: the session read of Django's database sessions (0008);
- `lazy`: auth's and django-otp's lazy user wrappers, kept for the whole request (0010);
- `layers`: Channels' `InMemoryChannelLayer`, channels-redis's `RedisPubSubChannelLayer` (0006);
- `consumers`: Channels' consumer `dispatch` (0006);
- `cache`: Django's `RedisCache` (0008);
- `startup`: the cyclic collector walking start-up objects, `gc.freeze` (0010), and its young
  generation's threshold (0021).
The switch itself: decision 0019.

Nothing outside this package imports a private framework name or subclasses a framework class
to override a private method (tests/test_speedups.py checks it).
"""

from __future__ import annotations

from django.conf import settings


def enabled() -> bool:
    """Whether the speedups are on (`SPEEDUPS`, read once by the settings)."""
    return bool(getattr(settings, "SPEEDUPS", True))
