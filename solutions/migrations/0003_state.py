# The state machine's field is `state` on every model; the API keeps the name `status`.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("solutions", "0002_search"),
    ]

    operations = [
        migrations.RenameField(model_name="knownsolution", old_name="status", new_name="state"),
        migrations.RenameField(model_name="historicalknownsolution", old_name="status", new_name="state"),
    ]
