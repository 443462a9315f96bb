"""Production settings: the embedded settings plus TLS-only cookies, HSTS and a strict CSP."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from access_support.settings import *  # noqa: F403
from access_support.settings import SECRET_KEY_IS_SET

if not SECRET_KEY_IS_SET:
    raise ImproperlyConfigured("SECRET_KEY must be set when using settings_production")

SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
