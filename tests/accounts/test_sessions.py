"""Idle timeouts, and changes that must end a user's other sessions and sockets."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone

from access_support.accounts import services
from access_support.events import user_group

pytestmark = pytest.mark.django_db


def _session_expiry(client) -> timedelta:
    row = Session.objects.get(session_key=client.session.session_key)
    return row.expire_date - timezone.now()


def test_operators_time_out_after_15_idle_minutes_others_after_30(signed_in, operator, senior):
    op = signed_in(operator)
    op.get("/")
    assert timedelta(minutes=14) < _session_expiry(op) <= timedelta(minutes=15)
    member = signed_in(senior)
    member.get("/")
    assert timedelta(minutes=29) < _session_expiry(member) <= timedelta(minutes=30)


def test_an_idle_session_past_its_expiry_is_signed_out(signed_in, senior):
    client = signed_in(senior)
    client.get("/")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    cache.clear()  # the cached copy would have expired at the same moment
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_role_change_ends_the_users_other_sessions(signed_in, senior, supervisor):
    client = signed_in(senior)
    assert client.get("/").status_code == 200
    services.user_set_roles(user=senior, roles=["member", "proxy"], actor=supervisor)
    assert client.get("/").status_code == 302


def test_a_password_change_ends_other_sessions_but_keeps_this_one(signed_in, senior, rf):
    other_device = signed_in(senior)
    this_device = signed_in(senior)
    assert other_device.get("/").status_code == 200
    request = rf.get("/")
    request.user = senior
    request.session = this_device.session
    services.user_change_password(
        user=senior, new_password="a-new-long-pass-77", actor=senior, request=request
    )
    request.session.save()
    # The response to this request would carry the rotated session cookie.
    this_device.cookies["sessionid"] = request.session.session_key
    assert other_device.get("/").status_code == 302
    assert this_device.get("/").status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_signing_out_tells_every_socket_of_the_user_to_close(signed_in, make_user):
    user = await database_sync_to_async(make_user)("member")
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(user_group(user.pk), channel)
    client = await database_sync_to_async(signed_in)(user)
    await database_sync_to_async(client.post)("/accounts/logout/")
    message = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert message == {"type": "user.signed_out"}
