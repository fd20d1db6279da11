"""The words a material repeats in its title, topics and abstract, indexed.

``casebank_repeated_lexemes(rank_vector)``: the lexemes of the ranking vector that occur there
at least twice.  A relevance search ranks first only the matches that repeat one of the
query's words (a GIN index on this expression finds them); every other match has each query
word at most once in its ranking vector, and ``ts_rank`` then gives it at most what the words
once each, side by side in the title, would get.  When enough of the repeating matches rank
above that, they hold the page, exactly (``casebank.selectors.search_candidates``).

The function reads only ``pg_catalog``; it is created in the schema being migrated (each
organisation's bank), where the index and the search find it.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION casebank_repeated_lexemes(vector tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT pg_catalog.array_to_tsvector(COALESCE(pg_catalog.array_agg(u.lexeme), '{}'::text[]))
    FROM pg_catalog.unnest(vector) AS u
    WHERE pg_catalog.array_length(u.positions, 1) >= 2
$$
"""
INDEX = (
    "CREATE INDEX material_repeated_lexemes ON casebank_material"
    " USING gin (casebank_repeated_lexemes(rank_vector)) WHERE status = 'published'"
)


class Migration(migrations.Migration):
    dependencies = [
        ("casebank", "0003_material_codifier_topics"),
    ]

    operations = [
        migrations.RunSQL(
            [FUNCTION, INDEX],
            [
                "DROP INDEX IF EXISTS material_repeated_lexemes",
                "DROP FUNCTION IF EXISTS casebank_repeated_lexemes(tsvector)",
            ],
        ),
    ]
