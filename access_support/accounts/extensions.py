"""Hooks that later apps fill in, so accounts does not import them at load time."""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string


def acting_members_for(user: Any) -> list[dict[str, Any]]:
    """Members this user may act for (their active grants), via the proxies app's selector."""
    try:
        selector = import_string("proxies.selectors.members_for_proxy_json")
    except ImportError:
        return []
    return list(selector(user))
