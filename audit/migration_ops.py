"""Database-level protection of the history and event tables (R10, R19), installed by migrations."""

FUNCTION = """
CREATE OR REPLACE FUNCTION supportdesk_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""

# Django's test suite empties the tables after each transactional test (TRUNCATE). Only a database
# named like Django's test databases (test_...) may be emptied, and only while the session grants
# it (tests/conftest.py); `check --deploy` warns about a database with such a name (audit.checks).
TRUNCATE_FUNCTIONS = """
CREATE OR REPLACE FUNCTION supportdesk_may_truncate(database name) RETURNS boolean AS $$
    SELECT starts_with(database, 'test_')
        AND coalesce(current_setting('supportdesk.test_flush', true), '') = 'on';
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION supportdesk_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF supportdesk_may_truncate(current_database()) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'history and event rows are append-only: TRUNCATE on % refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


def history_tables(apps) -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if any(field.name == "history_hash" for field in model._meta.fields)
    )


def protect_tables(schema_editor, tables) -> None:
    """Make each table refuse UPDATE, DELETE and TRUNCATE (PostgreSQL only). Idempotent."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    schema_editor.execute(TRUNCATE_FUNCTIONS, params=None)
    for table in tables:
        quoted = schema_editor.quote_name(table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS append_only ON {quoted}")
        schema_editor.execute(
            f"CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {quoted} "
            "FOR EACH ROW EXECUTE FUNCTION supportdesk_history_append_only()"
        )
        schema_editor.execute(f"DROP TRIGGER IF EXISTS refuse_truncate ON {quoted}")
        schema_editor.execute(
            f"CREATE TRIGGER refuse_truncate BEFORE TRUNCATE ON {quoted} "
            "FOR EACH STATEMENT EXECUTE FUNCTION supportdesk_refuse_truncate()"
        )


def install_append_only_triggers(apps, schema_editor):
    """On PostgreSQL every history table refuses UPDATE, DELETE and TRUNCATE. Idempotent: rerun it
    for new tables."""
    protect_tables(schema_editor, history_tables(apps))


def append_only(*models: str):
    """A RunPython function protecting the tables of the named models ("app_label.Model"), e.g. events."""

    def install(apps, schema_editor):
        protect_tables(schema_editor, [apps.get_model(label)._meta.db_table for label in models])

    return install
