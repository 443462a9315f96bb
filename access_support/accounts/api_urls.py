from __future__ import annotations

from django.urls import path

from access_support.accounts import api

app_name = "accounts-api"
urlpatterns = [
    path("auth/csrf", api.csrf, name="csrf"),
    path("auth/login", api.login, name="login"),
    path("auth/otp/challenge", api.otp_challenge, name="otp-challenge"),
    path("auth/otp/verify", api.otp_verify, name="otp-verify"),
    path("me", api.me, name="me"),
    path("session", api.session_clock, name="session"),
]
