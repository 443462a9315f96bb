# The customer's choice of what is kept of a session's conversation (issue 22 item 7,
# signlanguage.live.keeping). Sessions that exist already keep their conversation, as before;
# new ones take TRANSCRIPT_KEPT_BY_DEFAULT (the model's default, read when a session is made).

from django.db import migrations, models

import signlanguage.models

TRANSCRIPT_TIMES = ["transcript_chosen_at", "transcript_downloaded_at", "transcript_deleted_at"]


class Migration(migrations.Migration):
    dependencies = [
        ("signlanguage", "0006_session_presence"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="transcript_kept",
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name="session",
            name="transcript_kept",
            field=models.BooleanField(default=signlanguage.models.transcript_kept_by_default),
        ),
        *(
            migrations.AddField(
                model_name="session",
                name=name,
                field=models.DateTimeField(blank=True, null=True),
            )
            for name in TRANSCRIPT_TIMES
        ),
    ]
