"""Issue 26 items 6, 8 and 9 in a browser: the cancel confirmation page, the console with
today's and later bookings, and the operator's session page pass axe (ja and en). The demo data
has no bookings, so the test books them straight into the live server's database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import (
    LANGUAGE_COOKIE,
    ROOT,
    Browsers,
    check_page,
    format_axe,
)

pytestmark = pytest.mark.e2e

MAKE = """
import datetime
from django.utils import timezone
from access_support.accounts.models import User
from signlanguage.models import Session
senior = User.objects.get(username="senior")
operator = User.objects.get(username="operator")
now = timezone.now()
def make(start, topic):
    return Session.objects.create(customer=senior, booked_by=senior, operator=operator,
        mode="written_chat", kind="booked", state="waiting", topic=topic,
        start=start, end=start + datetime.timedelta(minutes=30))
later = make(now.replace(second=0, microsecond=0) + datetime.timedelta(days=2), "e2e later")
soon = make(now.replace(second=0, microsecond=0) + datetime.timedelta(minutes=5), "e2e soon")
print(later.pk, soon.pk)
"""


def _book(browsers: Browsers) -> tuple[int, int]:
    tmp = browsers.server.mail_dir.parent
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.settings",
        "DATABASE_URL": f"sqlite:///{tmp}/e2e.sqlite3",
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", MAKE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    later, soon = done.stdout.split()[-2:]
    return int(later), int(soon)


def test_cancel_confirmation_console_and_card_pass_axe(browsers: Browsers) -> None:
    later, soon = _book(browsers)
    pages = [
        ("member", f"/sessions/{later}/cancel/"),
        ("operator", "/sessions/console/"),
        ("operator", f"/sessions/{soon}/live/"),
    ]
    results = []
    for role, path in pages:
        driver = browsers.for_role(role)
        for language in ("ja", "en"):
            driver.add_cookie({"name": LANGUAGE_COOKIE, "value": language, "path": "/"})
            driver.get(browsers.server.path(path))
            result = check_page(driver, language, signed_in=True)
            assert result.status == 200, (path, result.status)
            results.append(result)
    assert not [r for r in results if r.axe], format_axe(results)
    assert not [r for r in results if r.layout or r.structure], [
        (r.path, r.language, r.layout, r.structure) for r in results if r.layout or r.structure
    ]
