# A join from a verification code to its pair's grants: no column, no SQL (decision 0014).

import django.db.models.deletion
import proxies.models
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("proxies", "0002_desk_spend_function"),
    ]

    operations = [
        migrations.AddField(
            model_name="verificationcode",
            name="pair_grant",
            field=proxies.models.PairGrantJoin(
                from_fields=["member", "proxy"],
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="proxies.grant",
                to_fields=["member", "proxy"],
            ),
        ),
    ]
