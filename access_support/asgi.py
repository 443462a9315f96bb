"""ASGI entry point: HTTP through Django, websockets behind an origin check and session auth."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "access_support.settings")

# Django's own handler with SPEEDUPS=off, the project's otherwise (access_support/speedups).
from access_support.speedups.handler import http_application  # noqa: E402

django_asgi_app = http_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402

from access_support.origin import SameOriginValidator  # noqa: E402
from access_support.speedups import startup  # noqa: E402
from access_support.ws import OTPStateMiddleware, websocket_router  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(
            AuthMiddlewareStack(OTPStateMiddleware(websocket_router()))
        ),
    }
)

# Everything loaded so far lives as long as the process (speedups.startup, decision 0010).
startup.freeze()
