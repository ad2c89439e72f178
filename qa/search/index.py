"""The search index, kept by the database itself.

The services store each tip's tokens in two columns of the tip row
(`search_title`, `search_body`; see qa.search.tokens), in
qa.services.tip_refresh_derived. The database indexes those columns for the
published tips, in the same transaction as any write to the row, ordinary
saves and bulk writes alike:

- SQLite: an FTS5 table over the two columns (external content: the text is
  not stored twice), maintained by triggers on qa_tip. FTS5's "ascii"
  tokenizer splits on spaces only, so the tokens are taken as they are.
- PostgreSQL: partial GIN indexes over the columns' tokens, each keyed with
  the tip's id bucket so that the newest matches are read first (one index
  for title and body, one for the title; see BUCKET_BITS). No text-search
  parser is involved, so Japanese pairs survive whatever the database's locale.

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

# PostgreSQL: a GIN index gives its matches in no useful order, and reading a
# token's matches means reading all of them (28,000 for 返 at 100,000 tips,
# 280,000 at a million). So each token is indexed together with the "bucket"
# of its tip: the tip id's 4,096-block (`id >> 12`), as the key "24:返". A
# token's matches in the newest bucket are one short posting list; the newest
# matches are read bucket range by bucket range, newest first, and a common
# token is served by the first range alone, whatever the number of tips. A
# rare token's few matches are found in a handful of ranges (each range is one
# index look-up of a key per bucket). Every key of a row has the row's bucket,
# so "has x and y" within a range of buckets is "has one of x's keys and one of
# y's keys".
BUCKET_BITS = 12
# Bucket ranges, newest first: one bucket, then ranges growing this many times
# (1, 2, 4, … buckets): at most ~9 ranges for a million tips; an older range
# is read only when the newer ones had too few matches, at most twice as many
# rows as needed.
BUCKET_GROWTH = 2
# The newest id the engine knows may be a little old (it is cached): the first
# range also looks this many buckets beyond it, so a tip published since is found.
BUCKETS_AHEAD = 2
# PARALLEL UNSAFE keeps these queries on one process: a Parallel Append would
# return the bucket ranges in any order, not newest first.
# PL/pgSQL and plain string functions: a 20,000-character answer (11,000
# tokens) is keyed in a few milliseconds (an SQL function unnesting the tokens
# took ten times longer). Duplicate keys are left in: GIN removes them.
_POSTGRES_KEYS_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION qa_tip_search_keys(tip_id bigint, tokens text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL UNSAFE AS $$
    DECLARE
      prefix text := (tip_id >> {BUCKET_BITS})::text || ':';
    BEGIN
      tokens := btrim(tokens);
      IF tokens = '' THEN
        RETURN '{{}}';
      END IF;
      RETURN string_to_array(prefix || replace(tokens, ' ', ' ' || prefix), ' ');
    END
    $$"""
_POSTGRES_DOCUMENT = "qa_tip_search_keys(id, search_title || ' ' || search_body)"
_POSTGRES_TITLE = "qa_tip_search_keys(id, search_title)"


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
        execute(_POSTGRES_KEYS_FUNCTION)
        execute(
            f"CREATE INDEX IF NOT EXISTS qa_tip_search_keys ON qa_tip USING gin (({_POSTGRES_DOCUMENT})) "
            f"WHERE status = '{PUBLISHED}'"
        )
        execute(
            f"CREATE INDEX IF NOT EXISTS qa_tip_search_title_keys ON qa_tip USING gin (({_POSTGRES_TITLE})) "
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
        execute("DROP INDEX IF EXISTS qa_tip_search_keys")
        execute("DROP INDEX IF EXISTS qa_tip_search_title_keys")
        execute("DROP FUNCTION IF EXISTS qa_tip_search_keys(bigint, text)")


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


def _bucket_keys(tokens, buckets: range) -> str:
    """The index keys of `tokens` in `buckets`, as one array literal (a query
    has dozens of these arrays: passed as text, they cost psycopg one quoting
    each rather than one per element)."""
    keys = (f"{bucket}:{token}".replace("\\", "\\\\").replace('"', '\\"') for token in tokens for bucket in buckets)
    return "{" + ",".join(f'"{key}"' for key in keys) + "}"


def _postgres_where(condition, table: str) -> tuple[list[str], list[list[str]]]:
    """`condition` as SQL over the ranges of `table` (see _matching_ids_sql):
    each "has one of these tokens" clause reads its keys from its own column
    of `table` (k0, k1, …). Returns the conditions of one or more arms whose
    matches together are the condition's, and each clause's tokens.

    A wording of several tokens (配送料: 配送 and 送料) among a word's
    wordings is an OR of ANDs, which PostgreSQL checks again row by row
    (computing the row's keys, a third of a millisecond each) when the keys
    come from a LATERAL row: the first such group becomes one arm per wording
    instead, each a plain AND."""
    clauses: list[list[str]] = []

    def has_any(column, tokens):
        clauses.append(tokens)
        return f"{column} && {table}.k{len(clauses) - 1}::text[]"

    if condition[0] != "all":
        _, tokens, title_only = condition
        return [has_any(_POSTGRES_TITLE if title_only else _POSTGRES_DOCUMENT, tokens)], clauses

    def options(alternatives) -> list[str]:
        # Wordings of one token are one look-up; a wording of several tokens needs each of them.
        single = [tokens[0] for tokens in alternatives if len(tokens) == 1]
        found = [has_any(_POSTGRES_DOCUMENT, single)] if single else []
        found += [
            "(" + " AND ".join(has_any(_POSTGRES_DOCUMENT, [token]) for token in tokens) + ")"
            for tokens in alternatives
            if len(tokens) > 1
        ]
        return found

    groups = condition[1]
    # (options: one for all the one-token wordings, one per longer wording)
    split = next(
        (
            number
            for number, alternatives in enumerate(groups)
            if any(len(tokens) == 1 for tokens in alternatives) + sum(len(tokens) > 1 for tokens in alternatives) > 1
        ),
        None,
    )
    others = [
        f"({' OR '.join(options(alternatives))})" for number, alternatives in enumerate(groups) if number != split
    ]
    if split is None:
        return [" AND ".join(others)], clauses
    return [" AND ".join([arm, *others]) for arm in options(groups[split])], clauses


def _bucket_ranges(newest_id: int) -> list[range]:
    """Bucket ranges from the newest (and a little beyond) down to the first,
    each BUCKET_GROWTH times longer than the one before."""
    newest = newest_id >> BUCKET_BITS
    ranges, high, size = [], newest + BUCKETS_AHEAD, 1 + BUCKETS_AHEAD
    while high >= 0:
        low = max(0, high - size + 1)
        ranges.append(range(high, low - 1, -1))
        high, size = low - 1, max(size - BUCKETS_AHEAD, 1) * BUCKET_GROWTH
    return ranges


def most_matches(condition, frequencies: dict[str, int]) -> int:
    """How many tips `condition` can match at most, from its tokens' document
    frequencies (a token not in `frequencies` counts as everywhere)."""
    everywhere = float("inf")
    if condition[0] == "all":
        return min(
            sum(min((frequencies.get(t, everywhere) for t in tokens), default=0) for tokens in alternatives)
            for alternatives in condition[1]
        )
    return sum(frequencies.get(token, everywhere) for token in condition[1])


def _matching_ids_sql(
    condition, limit: int, *, newest_id: int, ordered: bool = True, few: bool = False
) -> tuple[str, list]:
    """SQL for the ids of `limit` published tips matching `condition`, the
    newest (highest ids) first (`newest_id`: the highest id there is, or close
    to it), or in no particular order when not `ordered` (for counting).
    `few`: the condition is known to match few tips (see most_matches), which
    are then read at once rather than range by range."""
    if connection.vendor == "sqlite":
        order = "ORDER BY rowid DESC " if ordered else ""
        return (
            f"SELECT rowid AS id FROM qa_tip_fts WHERE qa_tip_fts MATCH %s {order}LIMIT %s",
            [_fts_match(condition), limit],
        )
    # The ranges are rows of an unnest(), newest first, each with its keys
    # for every clause; the matches of each range are read by a LATERAL
    # subquery, planned once whatever the number of ranges. A nested loop
    # under LIMIT reads the ranges in order and stops once the limit is
    # reached: the older ranges are read only when the newer ones did not
    # have enough matches.
    # Each range is sorted by "id + 0": sorted by the id itself, the planner
    # may walk the primary key backwards computing every row's keys, hoping
    # to stop early (it cannot know how few rows match).
    ranges = _bucket_ranges(newest_id)
    if few:  # one look-up rather than one per range
        ranges = [range(ranges[0].start, -1, -1)]
    arms, clauses = _postgres_where(condition, "ranges")
    columns = ", ".join(f"k{number}" for number in range(len(clauses)))
    order = " ORDER BY id + 0 DESC" if ordered else ""
    selects = [f"SELECT id FROM qa_tip WHERE status = '{PUBLISHED}' AND {arm}" for arm in arms]
    matches = selects[0] + order if len(selects) == 1 else f"SELECT id FROM ({' UNION '.join(selects)}) AS arms{order}"
    sql = (
        f"SELECT found.id FROM unnest({', '.join(['%s::text[]'] * len(clauses))}) AS ranges({columns}), "
        f"LATERAL ({matches}) AS found LIMIT %s"
    )
    return sql, [*([_bucket_keys(tokens, buckets) for buckets in ranges] for tokens in clauses), limit]


def document_frequencies(tokens: list[str], *, cap: int, newest_id: int) -> dict[str, int]:
    """In how many published tips each token appears, counted up to `cap`
    (so the cost is bounded however common a token is). One query."""
    if not tokens:
        return {}
    parts, params = [], []
    for token in tokens:
        sql, token_params = _matching_ids_sql(("any", [token], False), cap, newest_id=newest_id, ordered=False)
        parts.append(f"(SELECT count(*) FROM ({sql}) AS matches_{len(parts)})")
        params.extend(token_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        counts = cursor.fetchone()
    return dict(zip(tokens, counts, strict=True))


def candidates(
    conditions: list[tuple], *, newest_id: int, frequencies: dict[str, int] | None = None, few: int = 0
) -> tuple[list[tuple[int, str, str]], list[int]]:
    """The tips matching each (condition, limit), at most `limit` each, the
    newest first: their (id, search_title, search_body) rows, and how many ids
    each condition gave. One query, each row read once. A condition that
    `frequencies` show can match fewer than `few` tips is read in one go."""
    if not conditions:
        return [], []
    parts, params = [], []
    for number, (condition, limit) in enumerate(conditions):
        is_few = frequencies is not None and most_matches(condition, frequencies) < few
        sql, condition_params = _matching_ids_sql(condition, limit, newest_id=newest_id, few=is_few)
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
