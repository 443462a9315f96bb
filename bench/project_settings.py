"""The project's own settings plus one constant view, so the floor can also be measured through
the project's whole middleware stack (production never routes to it)."""

from __future__ import annotations

from access_support.settings import *  # noqa: F403

ROOT_URLCONF = "bench.project_urls"
