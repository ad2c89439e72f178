"""Search: one engine for the search page and the ask form's suggestions.

- text.py: normalisation (NFKC, case folding) and highlighting, shared by the
  indexer and the pages;
- tokens.py: how text becomes index tokens (Latin words lightly stemmed,
  Japanese as overlapping character pairs plus single characters);
- index.py: the database side: SQLite FTS5 or a PostgreSQL GIN index over the
  token columns of the tip row (keyed by id bucket, newest first), kept in step
  by the database itself;
- engine.py: parsing a query (synonyms included) and finding a bounded set of
  candidates through the index;
- ranking.py: scoring the candidates (BM25-style) in Python, so that SQLite
  and PostgreSQL give the same results.

This module imports nothing from the models, so models and services can import
it freely.
"""

from qa.search.text import excerpt, highlight, normalize

__all__ = ["excerpt", "highlight", "normalize"]
