"""The project's URLs plus a constant view (bench only)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path

from access_support.urls import urlpatterns as project_urlpatterns


def constant(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [path("bench/constant", constant), *project_urlpatterns]
