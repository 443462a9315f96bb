"""Production settings: the embedded settings plus TLS-only cookies, HSTS and a strict CSP."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from access_support.settings import *  # noqa: F403
from access_support.settings import DEVELOPMENT_SECRET_KEY, SECRET_KEY, SECRET_KEY_IS_SET

# Keys published with the code (the embedded development key, the .env.example placeholder)
# sign nothing secret: anyone could forge sessions and password-reset links with them.
PUBLIC_SECRET_KEYS = {DEVELOPMENT_SECRET_KEY, "change-me-to-50-random-characters"}
SECRET_KEY_MIN_LENGTH = 50  # as Django's check --deploy (security.W009)

if not SECRET_KEY_IS_SET:
    raise ImproperlyConfigured("SECRET_KEY must be set when using settings_production")
if SECRET_KEY in PUBLIC_SECRET_KEYS:
    raise ImproperlyConfigured(
        "SECRET_KEY is a published example, not a secret; generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
    )
if len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(
        f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters, got "
        f"{len(SECRET_KEY)}; generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
    )

SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
