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


# PostgreSQL: a GIN index gives its matches in no useful order, and reading a
# token's matches means reading all of them (280,000 for 返 at a million tips).
# So the newest matches are read window by window, newest ids first: the last
# 2,000 tips are checked row by row (a LIKE on the token columns, no index),
# then the GIN index serves the 18,000 before, then the rest. A UNION ALL under
# LIMIT runs its branches in order and stops once the limit is reached: a
# common token is served by the first window alone, whatever the number of
# tips, and a rare one by its few matches in the index.
POSTGRES_ROW_WINDOW = 2_000
POSTGRES_INDEX_WINDOW = 20_000
_POSTGRES_DOCUMENT_TEXT = "(' ' || search_title || ' ' || search_body || ' ')"
_POSTGRES_TITLE_TEXT = "(' ' || search_title || ' ')"


def _postgres_like(condition) -> tuple[str, list]:
    """`condition` checked on the row's text, without the index."""

    def contains(column, tokens):
        return " AND ".join([f"{column} LIKE %s"] * len(tokens)), [f"% {token} %" for token in tokens]

    if condition[0] == "all":
        clauses, params = [], []
        for alternatives in condition[1]:
            options = []
            for tokens in alternatives:
                sql, token_params = contains(_POSTGRES_DOCUMENT_TEXT, tokens)
                options.append(f"({sql})")
                params += token_params
            clauses.append("(" + " OR ".join(options) + ")")
        return " AND ".join(clauses), params
    _, tokens, title_only = condition
    column = _POSTGRES_TITLE_TEXT if title_only else _POSTGRES_DOCUMENT_TEXT
    return "(" + " OR ".join([f"{column} LIKE %s"] * len(tokens)) + ")", [f"% {token} %" for token in tokens]


def _is_common(condition, common: frozenset[str]) -> bool:
    """Whether `condition` matches many tips, so that reading it from the
    index means reading long lists: for "any", one common token; for "all",
    every group has an alternative made of common tokens only."""
    if condition[0] == "all":
        return all(
            any(all(token in common for token in tokens) for tokens in alternatives) for alternatives in condition[1]
        )
    return any(token in common for token in condition[1])


def _matching_ids_sql(
    condition, limit: int, *, newest_id: int | None = None, common: frozenset[str] = frozenset()
) -> tuple[str, list]:
    """SQL for the ids of `limit` published tips matching `condition`: the
    newest (highest ids) first when `newest_id` (the highest id there is, or
    close to it) is given, in no particular order otherwise (for counting).
    `common` are the tokens known to be in many tips."""
    if connection.vendor == "sqlite":
        order = "ORDER BY rowid DESC " if newest_id is not None else ""
        return (
            f"SELECT rowid AS id FROM qa_tip_fts WHERE qa_tip_fts MATCH %s {order}LIMIT %s",
            [_fts_match(condition), limit],
        )
    where, params = _postgres_where(condition)
    if newest_id is None:
        return f"SELECT id FROM qa_tip WHERE status = '{PUBLISHED}' AND {where} LIMIT %s", [*params, limit]
    select = f"SELECT id FROM qa_tip WHERE status = '{PUBLISHED}' AND"
    if _is_common(condition, common):
        rows_from, index_from = newest_id - POSTGRES_ROW_WINDOW, newest_id - POSTGRES_INDEX_WINDOW
        like, like_params = _postgres_like(condition)
        first = (f"({select} {like} AND id > %s ORDER BY id DESC)", [*like_params, rows_from])
    else:
        # Rare tokens: their lists are short, the index serves the newest window too.
        rows_from, index_from = None, newest_id - POSTGRES_INDEX_WINDOW
        first = (f"({select} {where} AND id > %s ORDER BY id DESC)", [*params, index_from])
    branches = [first]
    if rows_from is not None:
        branches.append(
            (f"({select} {where} AND id <= %s AND id > %s ORDER BY id DESC)", [*params, rows_from, index_from])
        )
    branches.append((f"({select} {where} AND id <= %s ORDER BY id DESC)", [*params, index_from]))
    sql = " UNION ALL ".join(branch for branch, _ in branches)
    return f"SELECT id FROM ({sql}) AS windows LIMIT %s", [*(p for _, ps in branches for p in ps), limit]


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


def candidates(
    conditions: list[tuple], *, newest_id: int, common: frozenset[str] = frozenset()
) -> tuple[list[tuple[int, str, str]], list[int]]:
    """The tips matching each (condition, limit), at most `limit` each, the
    newest first: their (id, search_title, search_body) rows, and how many ids
    each condition gave. One query, each row read once."""
    if not conditions:
        return [], []
    parts, params = [], []
    for number, (condition, limit) in enumerate(conditions):
        sql, condition_params = _matching_ids_sql(condition, limit, newest_id=newest_id, common=common)
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
