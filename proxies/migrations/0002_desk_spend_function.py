"""PostgreSQL: the desk spends a code and records its decision in one statement (decision 0014).

`desk_spend_code` marks the code used unless it already is, and then appends the decision's
audit row through `audit_append` (migration audit/0003) — in the same statement, so on its own
(autocommit) it is its own transaction: both happen or neither. It returns audit_append's row,
or no row when the code was already used (another check spent it since this one read it); then
nothing was written and the caller decides again with the code as used.

One statement instead of BEGIN, UPDATE, audit_append and COMMIT: one round trip instead of four,
and the chain's advisory lock is held only while that statement runs. SQLite needs none of it.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION desk_spend_code(
    p_code_id bigint,
    p_used_at timestamptz,
    p_lock bigint,
    p_created_at timestamptz,
    p_actor_id bigint,
    p_subject_user_id bigint,
    p_action varchar,
    p_object_type varchar,
    p_object_id varchar,
    p_reason varchar,
    p_before jsonb,
    p_after jsonb,
    p_request_id varchar,
    p_head text,
    p_tail text,
    p_genesis varchar
) RETURNS TABLE (appended_id bigint, appended_seq bigint, appended_prev varchar, appended_hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    UPDATE proxies_verificationcode SET used_at = p_used_at
        WHERE id = p_code_id AND used_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT * FROM audit_append(
        p_lock, p_created_at, p_actor_id, p_subject_user_id, p_action, p_object_type,
        p_object_id, p_reason, p_before, p_after, p_request_id, p_head, p_tail, p_genesis
    );
END;
$$;
"""
PG_BACKWARD = """
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
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("proxies", "0001_initial"),
        ("audit", "0003_append_function"),
    ]
    operations = [migrations.RunPython(forward, backward)]
