from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('signlanguage', '0004_ics_sequence'),
    ]

    operations = [
        migrations.AddField(
            model_name='session',
            name='video_off_by',
            field=models.CharField(blank=True, default='', max_length=10),
        ),
    ]
