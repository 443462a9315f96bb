"""The proxies app's notices move to the notification centre (proxies 0007, issue 21 item 5):
every row keeps its id, person, kind, wording parameters, times and read state, the grant it was
about is kept as params["grant_id"], and each person's unread count is set from their unread
rows. Migrating back puts them where they were."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("proxies", "0001_squashed_0006_registration_draft"),
    ("notifications", "0001_notice"),
    ("accounts", "0007_user_name_reading"),
]
AFTER = [("proxies", "0007_notices_to_core")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def test_the_proxies_notices_move_with_their_ids_times_and_read_state():
    apps = _migrate(BEFORE)
    User = apps.get_model("accounts", "User")
    Grant = apps.get_model("proxies", "Grant")
    Old = apps.get_model("proxies", "Notice")
    member = User.objects.create(username="m", is_member=True, member_number="1234567890")
    proxy = User.objects.create(username="p", is_proxy=True)
    grant = Grant.objects.create(
        member=member, proxy=proxy, proxy_name="山田 太郎", relationship="子", state="active"
    )
    then = timezone.now() - datetime.timedelta(days=3)
    read = Old.objects.create(
        user=member, kind="grant.approved", params={"proxy": "山田 太郎"}, grant=grant,
        created_at=then, read_at=then + datetime.timedelta(hours=1),
    )  # fmt: skip
    unread = Old.objects.create(
        user=member, kind="grant.suspended", params={"proxy": "山田 太郎"}, grant=grant,
        created_at=then + datetime.timedelta(days=1),
    )  # fmt: skip
    plain = Old.objects.create(user=proxy, kind="procedure.done", params={"member": "m"})

    apps = _migrate(AFTER)
    New = apps.get_model("notifications", "Notice")
    User = apps.get_model("accounts", "User")
    moved = {n.pk: n for n in New.objects.all()}
    assert set(moved) == {read.pk, unread.pk, plain.pk}
    assert moved[read.pk].params == {"proxy": "山田 太郎", "grant_id": grant.pk}
    assert moved[read.pk].read_at == read.read_at and moved[read.pk].created_at == then
    assert moved[unread.pk].read_at is None and moved[unread.pk].kind == "grant.suspended"
    assert moved[plain.pk].params == {"member": "m"}
    assert User.objects.get(pk=member.pk).unread_notices == 1
    assert User.objects.get(pk=proxy.pk).unread_notices == 1
    # A new notice continues after the moved ids.
    assert New.objects.create(user_id=member.pk, kind="x").pk > max(moved)

    apps = _migrate(BEFORE)
    Old = apps.get_model("proxies", "Notice")
    back = Old.objects.get(pk=unread.pk)
    assert back.grant_id == grant.pk and back.kind == "grant.suspended" and back.read_at is None
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
