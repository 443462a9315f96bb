"""PostgreSQL: append an audit row in one statement (decision 0011).

`audit_append` takes the chain's advisory lock, reads the last link, numbers and hashes the new
row and inserts it — one round trip instead of three, and the lock is held from that statement
to COMMIT instead of across three. The hash is the one `AuditEvent.compute_hash` gives: the
caller sends the hashed JSON body in two pieces around the sequence number
(`AuditEvent.hash_parts`), and the function computes
sha256(prev_hash || head || seq || tail), hex — so `verify_audit` checks these rows with the same
Python code as every other.

The function is VOLATILE: under READ COMMITTED each statement in it takes a new snapshot, so the
last link is read after the lock is granted (a single SELECT that took the lock would read with
a snapshot from before it, and could see a stale last link). SQLite needs none of this: a
transaction there holds the write lock from BEGIN IMMEDIATE.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_append(
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
DECLARE
    last_seq bigint;
    last_hash varchar;
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock);
    SELECT e.seq, e.hash INTO last_seq, last_hash
        FROM audit_auditevent e ORDER BY e.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        last_hash := p_genesis;
    END IF;
    RETURN QUERY
    INSERT INTO audit_auditevent (
        seq, created_at, actor_id, subject_user_id, action, object_type, object_id, reason,
        before, after, request_id, prev_hash, hash
    ) VALUES (
        last_seq + 1, p_created_at, p_actor_id, p_subject_user_id, p_action, p_object_type,
        p_object_id, p_reason, p_before, p_after, p_request_id, last_hash,
        encode(sha256(convert_to(last_hash || p_head || (last_seq + 1)::text || p_tail, 'UTF8')),
               'hex')
    )
    RETURNING audit_auditevent.id::bigint, audit_auditevent.seq::bigint,
              audit_auditevent.prev_hash::varchar, audit_auditevent.hash::varchar;
END;
$$;
"""
PG_BACKWARD = """
DROP FUNCTION IF EXISTS audit_append(
    bigint, timestamptz, bigint, bigint, varchar, varchar, varchar, varchar, jsonb, jsonb,
    varchar, text, text, varchar
);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forward, backward)]
