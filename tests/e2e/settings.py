"""Settings for the live server of the browser tests: the project's settings, plus static files
served straight from the source folders (no collectstatic needed, edits show at once) and a fast
password hasher (the e2e run signs in a handful of times; the hasher is not what it tests).

A test that needs another clock starts its own server with these variables (conftest.py
`start_live_server`): E2E_IDLE_SECONDS and E2E_IDLE_WARNING_SECONDS shorten the idle timeouts and
their warning (test_timeouts.py); E2E_ALWAYS_OPEN=1 opens the service every day, all day, so a
talk-now journey runs whatever the time in Japan (test_journeys.py)."""

import os

from access_support.settings import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if os.environ.get("E2E_IDLE_SECONDS"):
    IDLE_SECONDS = OPERATOR_IDLE_SECONDS = ACTING_IDLE_SECONDS = int(os.environ["E2E_IDLE_SECONDS"])
    SESSION_COOKIE_AGE = IDLE_SECONDS
if os.environ.get("E2E_IDLE_WARNING_SECONDS"):
    IDLE_WARNING_SECONDS = int(os.environ["E2E_IDLE_WARNING_SECONDS"])
if os.environ.get("E2E_ALWAYS_OPEN") == "1":
    SERVICE_OPEN_TIME = "00:00"
    SERVICE_CLOSE_TIME = "24:00"
    SERVICE_WEEKDAYS = [0, 1, 2, 3, 4, 5, 6]
    SERVICE_CLOSED_DAYS: list[str] = []
    SERVICE_CLOSED_ON_HOLIDAYS = False
