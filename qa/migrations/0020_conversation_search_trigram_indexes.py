"""Trigram indexes for the inbox's search on PostgreSQL.

The admin searches with icontains, which PostgreSQL writes as
UPPER(column::text) LIKE UPPER('%word%'): a B-tree cannot answer that, so at
100,000 conversations every search read every opening (1.5 s). pg_trgm's GIN
indexes on the same expressions answer it from the index, Japanese included.
pg_trgm ships with PostgreSQL and is a trusted extension (PostgreSQL 13+): the
database's owner may create it. SQLite has no such index; its search scans."""

from django.db import migrations

INDEXES = [
    ("question_title_trgm", "qa_question", "title"),
    ("question_body_trgm", "qa_question", "body"),
    ("person_handle_trgm", "conversations_person", "handle"),
    ("person_name_trgm", "conversations_person", "name"),
    ("user_email_trgm", "auth_user", "email"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("qa", "0019_question_inbox_order_index"),
        ("conversations", "0003_listening"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
