"""A wrong password or sign-in code is tied to the fields (issue 23 item 5): the controls are
marked aria-invalid and described by the message, which the page shows at the field."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.field_errors import invalid_controls

pytestmark = pytest.mark.django_db


def test_a_wrong_password_marks_both_fields(make_user: Any) -> None:
    user = make_user("member")
    page = Client().post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert page.status_code == 400
    message = "ユーザー名またはパスワードがちがいます。確かめて、もう一度入力してください。"
    assert invalid_controls(page.content.decode()) == {
        "id_username": message,
        "id_password": message,
    }


def test_an_empty_password_is_at_its_field(make_user: Any) -> None:
    user = make_user("member")
    page = Client().post("/accounts/login/", {"username": user.username, "password": ""})
    assert list(invalid_controls(page.content.decode())) == ["id_password"]


def test_a_wrong_code_marks_the_code_field(make_user: Any) -> None:
    user = make_user("member")
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    page = client.post("/accounts/otp/", {"token": "000000x"})
    assert page.status_code == 400
    described = invalid_controls(page.content.decode())
    assert list(described) == ["id_token"]
    assert "コード" in described["id_token"]
