"""Websocket plumbing shared by consumers: the second-factor state and the route table."""

from __future__ import annotations

from typing import Any, cast

from channels.db import database_sync_to_async
from channels.routing import URLRouter
from django.urls import re_path
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from access_support import extensions
from access_support.consumers import CLOSE_NOT_FOUND


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


# Every app's websocket routes, registered in its AppConfig.ready() (the core names no app).
websocket_urlpatterns = extensions.websocket_urlpatterns


async def unknown_path(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Any websocket path no route matches (`/ws/nothing/`, `/ws/sessions/abc/`): accepted and
    closed with 4404, like a session that does not exist. Channels' URLRouter would raise
    ValueError instead — a traceback in the log and an abrupt end for the client."""
    message = await receive()
    if message.get("type") != "websocket.connect":
        return
    # Accepted first, as every close code of ours is, so a browser can read the code.
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": CLOSE_NOT_FOUND})


def websocket_router() -> URLRouter:
    """The routes, then the catch-all (kept out of `websocket_urlpatterns`, which lists only
    real routes: the security matrix has a row for each)."""
    # cast: Channels routes to ASGI applications; django-stubs types a route's target as a view.
    return URLRouter([*websocket_urlpatterns, re_path(r"", cast(Any, unknown_path))])
