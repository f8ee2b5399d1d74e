from django.db import migrations, models

from audit.chain import GENESIS, row_hash
from audit.migration_ops import append_only, install_append_only_triggers

EVENT_LOGS = ("audit.SignInEvent", "audit.AuditExport")


def chain_existing_events(apps, schema_editor):
    """R19: the events written so far are chained in the order they were written (their ids)."""
    head_model = apps.get_model("audit", "EventChainHead")
    postgresql = schema_editor.connection.vendor == "postgresql"
    for label in EVENT_LOGS:
        model = apps.get_model(label)
        table = schema_editor.quote_name(model._meta.db_table)
        if postgresql:  # the append-only trigger refuses the UPDATE otherwise
            schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER append_only")
        previous, batch = GENESIS, []
        for event in model.objects.order_by("pk").iterator(chunk_size=2000):
            event.chain_hash = previous = row_hash(event, previous)
            batch.append(event)
            if len(batch) == 1000:
                model.objects.bulk_update(batch, ["chain_hash"])
                batch = []
        model.objects.bulk_update(batch, ["chain_hash"])
        if postgresql:
            schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER append_only")
        head_model.objects.create(log=label, head=previous)


class Migration(migrations.Migration):
    # Every app with history tables, so that all of them get the TRUNCATE trigger.
    dependencies = [
        ("audit", "0003_signin_locked_out"),
        ("capa", "0001_initial"),
        ("customers", "0001_initial"),
        ("solutions", "0003_state"),
        ("tickets", "0005_search"),
        ("vendor", "0002_sic"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventChainHead",
            fields=[
                ("log", models.CharField(max_length=100, primary_key=True, serialize=False)),
                ("head", models.CharField(default="", max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="auditexport",
            name="chain_hash",
            field=models.CharField(default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="signinevent",
            name="chain_hash",
            field=models.CharField(default="", editable=False, max_length=64),
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        # protect_tables now installs the TRUNCATE trigger too: rerun it on every table it guards.
        migrations.RunPython(install_append_only_triggers, migrations.RunPython.noop),
        migrations.RunPython(append_only(*EVENT_LOGS), migrations.RunPython.noop),
    ]
