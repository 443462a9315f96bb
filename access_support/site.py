"""The site's public address (the `SITE_URL` setting), for links that leave the site: e-mails
and calendar files. Pages link relatively; only what is read elsewhere needs the address."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def site_url(path: str = "") -> str:
    """`SITE_URL` joined with an absolute `path` ("/sessions/3/")."""
    return str(settings.SITE_URL).rstrip("/") + path


def site_host() -> str:
    """The host name of `SITE_URL` (calendar UIDs: `session-3@support.example.jp`)."""
    return urlsplit(str(settings.SITE_URL)).hostname or "localhost"
