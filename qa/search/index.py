"""The search index, kept by the database itself.

The services store each tip's tokens in two columns of the tip row
(`search_title`, `search_body`; see qa.search.tokens), in
qa.services._tip_refresh_derived. The database indexes those columns for the
published tips, in the same transaction as any write to the row, ordinary
saves and bulk writes alike:

- SQLite: an FTS5 table over the two columns (external content: the text is
  not stored twice), maintained by triggers on qa_tip. FTS5's "ascii"
  tokenizer splits on spaces only, so the tokens are taken as they are.
- PostgreSQL: partial GIN indexes over string_to_array() of the columns (one
  for title and body, one for the title). No text-search parser is involved, so
  Japanese pairs survive whatever the database's locale.

Both answer the same two questions: which published tips contain these tokens
(newest first, a bounded number), and in how many tips does a token appear
(counted up to a cap). Ranking happens in qa.search.engine, the same for both.
"""

from django.db import connection

PUBLISHED = "published"  # Tip.Status.PUBLISHED; this module must not import the models

_SQLITE_TRIGGERS = {
    "qa_tip_search_insert": """
        CREATE TRIGGER IF NOT EXISTS qa_tip_search_insert AFTER INSERT ON qa_tip
        WHEN new.status = 'published' BEGIN
          INSERT INTO qa_tip_fts(rowid, search_title, search_body)
          VALUES (new.id, new.search_title, new.search_body);
        END""",
    "qa_tip_search_delete": """
        CREATE TRIGGER IF NOT EXISTS qa_tip_search_delete AFTER DELETE ON qa_tip
        WHEN old.status = 'published' BEGIN
          INSERT INTO qa_tip_fts(qa_tip_fts, rowid, search_title, search_body)
          VALUES ('delete', old.id, old.search_title, old.search_body);
        END""",
    # One trigger, so the old entry is always removed before the new one is
    # added (two triggers would run in an order SQLite does not promise).
    "qa_tip_search_update": """
        CREATE TRIGGER IF NOT EXISTS qa_tip_search_update
        AFTER UPDATE OF status, search_title, search_body ON qa_tip
        WHEN old.status = 'published' OR new.status = 'published' BEGIN
          INSERT INTO qa_tip_fts(qa_tip_fts, rowid, search_title, search_body)
          SELECT 'delete', old.id, old.search_title, old.search_body WHERE old.status = 'published';
          INSERT INTO qa_tip_fts(rowid, search_title, search_body)
          SELECT new.id, new.search_title, new.search_body WHERE new.status = 'published';
        END""",
}

_POSTGRES_DOCUMENT = "string_to_array(search_title || ' ' || search_body, ' ')"
_POSTGRES_TITLE = "string_to_array(search_title, ' ')"


def index_install(schema_editor=None) -> None:
    """Create the index and fill it (the migration that introduces it)."""
    execute = schema_editor.execute if schema_editor else _execute
    if connection.vendor == "sqlite":
        execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS qa_tip_fts USING fts5("
            "search_title, search_body, content='qa_tip', content_rowid='id', tokenize='ascii', detail='column')"
        )
        for sql in _SQLITE_TRIGGERS.values():
            execute(sql)
        index_rebuild()
    elif connection.vendor == "postgresql":
        execute(
            f"CREATE INDEX IF NOT EXISTS qa_tip_search_document ON qa_tip USING gin (({_POSTGRES_DOCUMENT})) "
            f"WHERE status = '{PUBLISHED}'"
        )
        execute(
            f"CREATE INDEX IF NOT EXISTS qa_tip_search_title ON qa_tip USING gin (({_POSTGRES_TITLE})) "
            f"WHERE status = '{PUBLISHED}'"
        )


def index_repair() -> None:
    """Put back the SQLite triggers, and refill the index, when a schema change
    dropped them: Django rebuilds a SQLite table for many changes (adding a NOT
    NULL column, for one), and the rebuilt table has no triggers. qa.apps runs
    this after every migrate; it does nothing when all is in place."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE name = 'qa_tip_fts' OR tbl_name = 'qa_tip'")
        present = {name for _, name in cursor.fetchall()}
    if "qa_tip_fts" in present and set(_SQLITE_TRIGGERS) - present:
        index_install()


def index_uninstall(schema_editor=None) -> None:
    execute = schema_editor.execute if schema_editor else _execute
    if connection.vendor == "sqlite":
        for name in _SQLITE_TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {name}")
        execute("DROP TABLE IF EXISTS qa_tip_fts")
    elif connection.vendor == "postgresql":
        execute("DROP INDEX IF EXISTS qa_tip_search_document")
        execute("DROP INDEX IF EXISTS qa_tip_search_title")


def index_rebuild() -> None:
    """Refill the SQLite index from the published tips (PostgreSQL's indexes
    need no refill: they are computed from the row)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO qa_tip_fts(qa_tip_fts) VALUES ('delete-all')")
        cursor.execute(
            "INSERT INTO qa_tip_fts(rowid, search_title, search_body) "
            "SELECT id, search_title, search_body FROM qa_tip WHERE status = %s",
            [PUBLISHED],
        )


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


# --- Reading ------------------------------------------------------------------------------
#
# A condition is one of:
#   ("all", [[alternative, …], …])  every group has an alternative whose tokens are all present
#   ("any", tokens, title_only)     at least one token is present (in the title only, if asked)


def _fts_token(token: str) -> str:
    return '"' + token.replace('"', "") + '"'


def _fts_match(condition) -> str:
    if condition[0] == "all":
        groups = []
        for alternatives in condition[1]:
            options = ["(" + " AND ".join(_fts_token(t) for t in tokens) + ")" for tokens in alternatives]
            groups.append("(" + " OR ".join(options) + ")")
        return " AND ".join(groups)
    _, tokens, title_only = condition
    expression = "(" + " OR ".join(_fts_token(t) for t in tokens) + ")"
    return "{search_title} : " + expression if title_only else expression


def _postgres_where(condition) -> tuple[str, list]:
    if condition[0] == "all":
        clauses, params = [], []
        for alternatives in condition[1]:
            options = []
            for tokens in alternatives:
                options.append(f"{_POSTGRES_DOCUMENT} @> %s::text[]")
                params.append(list(tokens))
            clauses.append("(" + " OR ".join(options) + ")")
        return " AND ".join(clauses), params
    _, tokens, title_only = condition
    column = _POSTGRES_TITLE if title_only else _POSTGRES_DOCUMENT
    return f"{column} && %s::text[]", [list(tokens)]


# PostgreSQL: a GIN index gives its matches in no useful order, so the newest
# matches are read window by window, newest ids first: the last 2,000 ids, the
# 18,000 before, then the rest. A UNION ALL under LIMIT runs its branches in
# order and stops once the limit is reached, so a common token is served by the
# first window alone (instead of visiting every matching row, 28,000 of 100,000
# tips for 返), and a rare one by few rows in any window.
POSTGRES_WINDOWS = (2_000, 20_000)


def _matching_ids_sql(condition, limit: int, *, newest_id: int | None = None) -> tuple[str, list]:
    """SQL for the ids of `limit` published tips matching `condition`: the
    newest (highest ids) first when `newest_id` (the highest id there is, or
    close to it) is given, in no particular order otherwise (for counting)."""
    if connection.vendor == "sqlite":
        order = "ORDER BY rowid DESC " if newest_id is not None else ""
        return (
            f"SELECT rowid AS id FROM qa_tip_fts WHERE qa_tip_fts MATCH %s {order}LIMIT %s",
            [_fts_match(condition), limit],
        )
    where, params = _postgres_where(condition)
    if newest_id is None:
        return f"SELECT id FROM qa_tip WHERE status = '{PUBLISHED}' AND {where} LIMIT %s", [*params, limit]
    bounds = [newest_id - window for window in POSTGRES_WINDOWS]
    ranges = [("id > %s", [bounds[0]])]
    ranges += [("id <= %s AND id > %s", [upper, lower]) for upper, lower in zip(bounds, bounds[1:], strict=False)]
    ranges.append(("id <= %s", [bounds[-1]]))
    branches, branch_params = [], []
    for id_range, range_params in ranges:
        branches.append(
            f"(SELECT id FROM qa_tip WHERE status = '{PUBLISHED}' AND {where} AND {id_range} ORDER BY id DESC)"
        )
        branch_params += [*params, *range_params]
    return f"SELECT id FROM ({' UNION ALL '.join(branches)}) AS windows LIMIT %s", [*branch_params, limit]


def document_frequencies(tokens: list[str], *, cap: int) -> dict[str, int]:
    """In how many published tips each token appears, counted up to `cap`
    (so the cost is bounded however common a token is). One query."""
    if not tokens:
        return {}
    parts, params = [], []
    for token in tokens:
        sql, token_params = _matching_ids_sql(("any", [token], False), cap)
        parts.append(f"(SELECT count(*) FROM ({sql}) AS matches_{len(parts)})")
        params.extend(token_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        counts = cursor.fetchone()
    return dict(zip(tokens, counts, strict=True))


def candidates(conditions: list[tuple], *, newest_id: int) -> tuple[list[tuple[int, str, str]], list[int]]:
    """The tips matching each (condition, limit), at most `limit` each, the
    newest first: their (id, search_title, search_body) rows, and how many ids
    each condition gave. One query, each row read once."""
    if not conditions:
        return [], []
    parts, params = [], []
    for number, (condition, limit) in enumerate(conditions):
        sql, condition_params = _matching_ids_sql(condition, limit, newest_id=newest_id)
        parts.append(f"SELECT {1 << number} AS part, id FROM ({sql}) AS part_{number}")
        params.extend(condition_params)
    sql = (
        f"WITH found AS ({' UNION ALL '.join(parts)}) "
        "SELECT tip.id, tip.search_title, tip.search_body, "
        "(SELECT sum(found.part) FROM found WHERE found.id = tip.id) AS parts "
        "FROM qa_tip AS tip WHERE tip.id IN (SELECT id FROM found)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts = [sum(1 for *_, found_in in rows if found_in & (1 << number)) for number in range(len(conditions))]
    return [(tip_id, title, body) for tip_id, title, body, _ in rows], counts
