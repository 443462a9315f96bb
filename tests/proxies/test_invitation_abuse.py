"""Invitations found by the outside probe (issue 20 items 8 and 10): accepting keeps the session,
one account per invitation, no spam relay, names never become links in the e-mail."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from access_support.accounts.models import User
from proxies import services
from proxies.services import GrantError

pytestmark = pytest.mark.django_db


def _invite(member: Any, email: str, name: str = "山田 太郎") -> str:
    _grant, token = services.grant_register(
        actor=member,
        member=member,
        proxy_name=name,
        proxy_email=email,
        relationship="子",
        scopes=["inquiry.points"],
    )
    return token


def test_accepting_an_invitation_on_the_page_keeps_the_session_signed_in(
    senior, make_user, signed_in
):
    # A member of her own who becomes her mother's proxy: the proxy role is new to her.
    daughter = make_user("member", username="daughter", email="daughter@example.jp")
    token = _invite(senior, "daughter@example.jp")
    client = signed_in(daughter)
    accepted = client.post(f"/proxies/invitations/{token}/", {"action": "accept"})
    assert accepted.status_code == 200
    assert User.objects.get(pk=daughter.pk).is_proxy
    home = client.get("/")
    assert home.status_code == 200, "accepting signed the new proxy out"


def test_accepting_an_invitation_by_the_api_keeps_the_session_signed_in(
    senior, make_user, signed_in
):
    daughter = make_user("member", username="daughter", email="daughter@example.jp")
    token = _invite(senior, "daughter@example.jp")
    client = signed_in(daughter)
    accepted = client.post(
        "/api/v1/grants/accept", json.dumps({"token": token}), content_type="application/json"
    )
    assert accepted.status_code == 200, accepted.content
    assert client.get("/api/v1/me").status_code == 200


def test_one_invitation_creates_one_account(senior):
    token = _invite(senior, "taro@example.jp")
    mail.outbox.clear()
    answers = [
        Client()
        .post(
            f"/proxies/invitations/{token}/",
            {"action": "create_account", "username": f"taro{n}", "password": "a-Long-pass-2026!"},
        )
        .status_code
        for n in range(3)
    ]
    assert answers[0] == 302 and answers[1:] == [400, 400]
    assert User.objects.filter(email__iexact="taro@example.jp").count() == 1
    # Only the first account's sign-in code went out.
    assert len([m for m in mail.outbox if "taro@example.jp" in m.to]) == 1


def test_a_register_then_revoke_loop_sends_one_address_at_most_two_invitations(
    senior, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    refused = None
    for _ in range(5):
        try:
            with django_capture_on_commit_callbacks(execute=True):
                token = _invite(senior, "stranger@example.jp")
        except GrantError as exc:
            refused = exc
            break
        grant = services.invitation_for_token(token)
        services.grant_revoke(grant=grant, actor=senior)
    assert refused is not None and (refused.code, refused.status) == ("invitation_limit", 429)
    invitations = [m for m in mail.outbox if "stranger@example.jp" in m.to]
    assert len(invitations) == 2


def test_a_member_sends_at_most_five_invitations_a_day(senior):
    for n in range(5):
        grant = services.invitation_for_token(_invite(senior, f"p{n}@example.jp"))
        services.grant_revoke(grant=grant, actor=senior)
    with pytest.raises(GrantError) as error:
        _invite(senior, "p5@example.jp")
    assert (error.value.code, error.value.status) == ("invitation_limit", 429)


def test_a_name_typed_by_the_member_is_not_a_link_in_the_invitation_email(
    senior, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _invite(senior, "taro@example.jp", name="http://evil.example/login")
    body = next(m for m in mail.outbox if "taro@example.jp" in m.to).body
    assert "evil.example" not in body and "http://evil" not in body
    assert "evil．example" in body
