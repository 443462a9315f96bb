"""What the apps above the core add to it, registered in their AppConfig.ready(): the core never
names an app (dependencies point down: access_support ← proxies ← signlanguage ← supervision).

- `acting`: proxies' acting-for context (the members a user may act for, the acting clock);
- `websocket_urlpatterns`: the websocket routes of every app, in registration order;
- `demo_seeders`: each app's demo data for `manage.py seed_demo`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver


@dataclass(frozen=True)
class Acting:
    """The acting-for context of proxies, as the core's idle clock and /api/v1/me need it."""

    members_for: Callable[[Any], list[dict[str, Any]]]
    seconds_left: Callable[[Any], int | None]
    keep_alive: Callable[[Any], int | None]


_acting: list[Acting] = []
# The same list object for the life of the process: access_support.ws hands it to the router.
websocket_urlpatterns: list[URLPattern | URLResolver] = []
demo_seeders: list[Callable[[dict[str, Any]], list[str]]] = []


def register_acting(acting: Acting) -> None:
    _acting[:] = [acting]


def acting() -> Acting | None:
    return _acting[0] if _acting else None


def register_websocket_routes(routes: list[URLPattern | URLResolver]) -> None:
    for route in routes:
        if route not in websocket_urlpatterns:
            websocket_urlpatterns.append(route)


def register_demo(seed: Callable[[dict[str, Any]], list[str]]) -> None:
    if seed not in demo_seeders:
        demo_seeders.append(seed)
