"""Asking for a new sign-in code (issue 23 item 9): the page says the old code stops working
and which e-mail to use, and during the 30-second wait how many seconds are left."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_email.models import EmailDevice

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def after_password(user: Any) -> Client:
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    return client


def ask_again(client: Client) -> str:
    page = client.post("/accounts/otp/", {"action": "send"}, follow=True)
    assert page.status_code == 200
    return page.content.decode()


def test_the_wait_says_how_many_seconds_are_left(make_user: Any) -> None:
    user = make_user("member")
    client = after_password(user)
    device = EmailDevice.objects.get(user=user)
    device.last_generated_timestamp = timezone.now() - timedelta(seconds=12)
    device.save()
    html = ask_again(client)
    seconds = re.search(r"あと(\d+)秒で、新しいコードを頼めます", html)
    assert seconds, html
    assert 17 <= int(seconds.group(1)) <= 18
    assert "いちばん新しいメールのコード" in html


def test_the_wait_in_english(make_user: Any) -> None:
    client = after_password(make_user("member"))
    client.cookies["as_language"] = "en"
    html = ask_again(client)
    assert re.search(r"You can ask for a new one in (30|29) seconds\.", html), html


def test_a_new_code_says_to_use_the_newest_email(make_user: Any) -> None:
    user = make_user("member")
    client = after_password(user)
    EmailDevice.objects.filter(user=user).update(
        last_generated_timestamp=timezone.now() - timedelta(seconds=31)
    )
    html = ask_again(client)
    assert "前のメールのコードは、もう使えません" in html
    assert "いちばん新しいメールのコードを入れてください" in html


def test_the_page_says_a_new_code_replaces_the_old_one(make_user: Any) -> None:
    html = after_password(make_user("member")).get("/accounts/otp/").content.decode()
    assert "前のコードは使えなくなります" in html
