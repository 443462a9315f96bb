"""Production settings pass Django's deployment checks; the CSP is strict."""

from __future__ import annotations

import os
import secrets

from tests.browser import manage


def test_production_settings_pass_check_deploy_at_warning_level():
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="access_support.settings_production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="support.example.jp",
    )
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_page_sends_a_strict_content_security_policy(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    for directive in (
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy
