"""API v1 routes for Senior Support (mounted at /api/v1/)."""

from __future__ import annotations

from django.urls import path

from proxies import api

app_name = "proxies-api"
urlpatterns = [
    path("grants", api.grants, name="grants"),
    path("grants/accept", api.accept, name="accept"),
    path("grants/<int:pk>/approve", api.approve, name="approve"),
    path("grants/<int:pk>/reject", api.reject, name="reject"),
    path("grants/<int:pk>/revoke", api.revoke, name="revoke"),
    path("grants/<int:pk>/suspend", api.suspend, name="suspend"),
    path("grants/<int:pk>/resume", api.resume, name="resume"),
    path("grants/<int:pk>/scopes", api.scopes, name="scopes"),
    path("authorizations/check", api.authorization_check, name="authorization-check"),
    path("proxies/codes", api.codes, name="codes"),
]
