"""Dates shown the way seniors read them (access_support/formatting.py, shared with the pages and
e-mails of every app): 2026年12月3日(木) 10:00, in English Thu 3 Dec 2026 10:00."""

from __future__ import annotations

from access_support.formatting import format_date, format_datetime, format_time

__all__ = ["format_date", "format_datetime", "format_time"]
