"""Database-level protection of the history tables (R10), installed by migrations."""

FUNCTION = """
CREATE OR REPLACE FUNCTION supportdesk_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
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
    """Make each table refuse UPDATE and DELETE (PostgreSQL only). Idempotent."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in tables:
        quoted = schema_editor.quote_name(table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS append_only ON {quoted}")
        schema_editor.execute(
            f"CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {quoted} "
            "FOR EACH ROW EXECUTE FUNCTION supportdesk_history_append_only()"
        )


def install_append_only_triggers(apps, schema_editor):
    """On PostgreSQL every history table refuses UPDATE and DELETE. Idempotent: rerun it for new tables."""
    protect_tables(schema_editor, history_tables(apps))


def append_only(*models: str):
    """A RunPython function protecting the tables of the named models ("app_label.Model"), e.g. events."""

    def install(apps, schema_editor):
        protect_tables(schema_editor, [apps.get_model(label)._meta.db_table for label in models])

    return install
