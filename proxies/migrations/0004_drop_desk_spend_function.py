"""PostgreSQL: drop `desk_spend_code` (migration 0002, decision 0014; decision 0016).

The desk spends a code as SQLite always has: a transaction, the conditional UPDATE of the code
and `audit.record`. So `audit_append`'s arguments are passed from one list only
(`access_support/audit/services.py`), not restated by a second function. Unapplying recreates
the function as 0002 made it.
"""

import importlib

from django.db import migrations

PG_FORWARD = """
DROP FUNCTION IF EXISTS desk_spend_code(
    bigint, timestamptz, bigint, timestamptz, bigint, bigint, varchar, varchar, varchar, varchar,
    jsonb, jsonb, varchar, text, text, varchar
);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        made = importlib.import_module("proxies.migrations.0002_desk_spend_function")
        schema_editor.execute(made.PG_FORWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("proxies", "0003_code_pair_grant")]
    operations = [migrations.RunPython(forward, backward)]
