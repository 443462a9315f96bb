"""Websocket plumbing shared by consumers: the second-factor state and the route table."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.urls import URLPattern, URLResolver
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device


@database_sync_to_async
def _verified_device(user: Any, session: Any) -> Device | None:
    if user is None or not user.is_authenticated or session is None:
        return None
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return None
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != user.pk:
        return None
    return device


class OTPStateMiddleware:
    """Puts `scope["otp_verified"]` (bool) and `scope["otp_device"]` next to `scope["user"]`,
    so consumers can refuse a password-only session with close code 4401."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = scope.get("user")
        device = await _verified_device(user, scope.get("session"))
        scope = dict(scope, otp_verified=device is not None, otp_device=device)
        return await self.inner(scope, receive, send)


def _collect_routes() -> list[URLPattern | URLResolver]:
    routes: list[URLPattern | URLResolver] = []
    for module in ("signlanguage.routing", "proxies.routing"):
        try:
            imported = __import__(module, fromlist=["websocket_urlpatterns"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        routes.extend(getattr(imported, "websocket_urlpatterns", []))
    return routes


websocket_urlpatterns = _collect_routes()
