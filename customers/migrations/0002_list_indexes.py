"""PostgreSQL indexes for the customer list (ordered by name), the caller lookup and `q` (issue 14):
trigram indexes for the substring searches, on UPPER(…) as Django's `icontains` writes them."""

from django.db import migrations

from supportdesk.search import install_indexes, uninstall_indexes

CUSTOMERS = {
    "customers_customer_name_id": "(name, id)",
    "customers_customer_name_trgm": "USING gin (upper(name::text) gin_trgm_ops)",
    "customers_customer_number_trgm": "USING gin (upper(customer_number::text) gin_trgm_ops)",
    "customers_customer_city_trgm": "USING gin (upper(city::text) gin_trgm_ops)",
    "customers_customer_phone_trgm": "USING gin (phone_e164 gin_trgm_ops)",
    "customers_customer_alt_phone_trgm": "USING gin (alt_phone_e164 gin_trgm_ops)",
}
CONTACTS = {
    "customers_contact_name_trgm": "USING gin (upper(name::text) gin_trgm_ops)",
    "customers_contact_phone_trgm": "USING gin (phone_e164 gin_trgm_ops)",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":  # kept on the way back: other apps' indexes use it
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    install_indexes(schema_editor, "customers_customer", CUSTOMERS)
    install_indexes(schema_editor, "customers_contact", CONTACTS)


def backwards(apps, schema_editor):
    uninstall_indexes(schema_editor, CUSTOMERS | CONTACTS)


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
