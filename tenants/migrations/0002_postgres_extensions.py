"""PostgreSQL extensions, installed once in the public schema.

Tenant schemas find their operator classes and functions through the
search_path (tenant, public): btree_gist for the exclusion constraints against
overlapping slots and bookings, pg_trgm for typo-tolerant search.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public;"
            "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
