"""The member's notices move to the core's notification centre (issue 21 item 5): every row is
copied with its id, times and wording parameters (the grant it was about kept as
params["grant_id"]), each person's unread count is set from them, and the old table goes."""

from django.db import migrations, models


def to_core(apps, schema_editor):
    Old = apps.get_model("proxies", "Notice")
    New = apps.get_model("notifications", "Notice")
    User = apps.get_model("accounts", "User")
    unread: dict[int, int] = {}
    batch = []
    for old in Old.objects.order_by("id").iterator():
        params = dict(old.params or {})
        if old.grant_id is not None:
            params.setdefault("grant_id", old.grant_id)
        batch.append(
            New(
                id=old.id,
                user_id=old.user_id,
                kind=old.kind,
                params=params,
                created_at=old.created_at,
                read_at=old.read_at,
            )
        )
        if old.read_at is None:
            unread[old.user_id] = unread.get(old.user_id, 0) + 1
        if len(batch) >= 500:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)
    for user_id, count in unread.items():
        User.objects.filter(pk=user_id).update(unread_notices=count)
    if schema_editor.connection.vendor == "postgresql" and Old.objects.exists():
        # Rows came with their ids: the sequence continues after the last one.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('notifications_notice', 'id'), "
                "(SELECT MAX(id) FROM notifications_notice))"
            )


def to_proxies(apps, schema_editor):
    Old = apps.get_model("proxies", "Notice")
    New = apps.get_model("notifications", "Notice")
    Grant = apps.get_model("proxies", "Grant")
    grants = set(Grant.objects.values_list("id", flat=True))
    Old.objects.bulk_create(
        Old(
            id=new.id,
            user_id=new.user_id,
            kind=new.kind,
            params=new.params,
            grant_id=new.params.get("grant_id") if new.params.get("grant_id") in grants else None,
            created_at=new.created_at,
            read_at=new.read_at,
        )
        for new in New.objects.order_by("id")
    )
    New.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("proxies", "0001_squashed_0006_registration_draft"),
        ("notifications", "0001_notice"),
        ("accounts", "0006_unread_notices"),
    ]

    operations = [
        migrations.AlterField(
            model_name="procedure",
            name="kind",
            field=models.CharField(
                choices=[
                    ("statement_inquiry", "Statement or payment inquiry"),
                    ("address_change", "Change of address or contact details"),
                    ("lost_card", "Report a lost or stolen card"),
                    ("payment_method", "Change of payment method"),
                    ("proxy_dispute", "The member says a proxy's action was not theirs"),
                ],
                max_length=30,
            ),
        ),
        migrations.RunPython(to_core, to_proxies),
        migrations.DeleteModel(name="Notice"),
    ]
