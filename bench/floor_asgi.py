"""The floor every benchmark is measured beside: a bare Channels consumer that relays frames
within a room (no auth, no storage) and a Django view that returns a constant.

Served as the project is served in the same mode (bench/floor_settings.py): the project's HTTP
handler and gc.freeze with the speedups on, Django's own handler with them off."""

from __future__ import annotations

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.floor_settings"

from django.conf import settings  # noqa: E402

from access_support.speedups import startup  # noqa: E402
from access_support.speedups.consumers import DirectDispatch  # noqa: E402
from access_support.speedups.handler import http_application  # noqa: E402

django_app = http_application(vendor=settings.FLOOR_VENDOR)

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402


def constant(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


class RelayConsumer(DirectDispatch, AsyncWebsocketConsumer):
    """Relays each frame to the room's other sockets. Dispatches as the project's consumers do
    in each mode (speedups.consumers.DirectDispatch: Channels' own dispatch when off)."""

    async def connect(self) -> None:
        self.room = f"room.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.room, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(
            self.room, {"type": "relay", "text": text_data, "sender": self.channel_name}
        )

    async def relay(self, event: dict[str, str]) -> None:
        if event["sender"] != self.channel_name:
            await self.send(text_data=event["text"])


urlpatterns = [path("healthz", constant), path("constant", constant)]
application = ProtocolTypeRouter(
    {
        "http": django_app,
        "websocket": URLRouter([path("ws/relay/<str:room>/", RelayConsumer.as_asgi())]),
    }
)

startup.freeze()
