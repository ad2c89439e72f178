"""Databases of a suite's own: a PostgreSQL database made for it, a Redis
database number emptied for it. Processes the suite starts share them, which
pytest-django's test database (a transaction the test holds open) could not."""

from __future__ import annotations

from urllib.parse import urlparse, urlunparse


def _psycopg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def _server_url(url: str) -> str:
    """The maintenance database on the same server, to create and drop others from."""
    return urlunparse(urlparse(_psycopg_url(url))._replace(path="/postgres"))


def postgres_database_create(*, server_url: str, name: str) -> str:
    """A new, empty database `name` on the server `server_url` names (any database
    on it); one left by an interrupted run is dropped first. Returns its URL."""
    import psycopg

    with psycopg.connect(_server_url(server_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(urlparse(server_url)._replace(path=f"/{name}"))


def postgres_database_drop(*, url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(_server_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(database_url: str, sql: str, params=()) -> list[tuple]:
    """Rows, read in a connection of our own: what the other processes committed."""
    import psycopg

    with psycopg.connect(_psycopg_url(database_url)) as connection:
        return connection.execute(sql, params).fetchall()


def redis_database_emptied(*, url: str, db: int) -> str:
    """`url` with database number `db`, emptied: queued messages from an earlier,
    interrupted run would name rows of a database that no longer exists."""
    import redis

    own = urlunparse(urlparse(url)._replace(path=f"/{db}"))
    redis.Redis.from_url(own).flushdb()
    return own


def redis_keys_delete(*, url: str, prefix: str) -> int:
    """Delete the keys under `prefix` in the Redis database `url` names (and
    nothing else in it, which others may be using); returns how many."""
    import redis

    client = redis.Redis.from_url(url)
    deleted = 0
    batch = []
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        batch.append(key)
        if len(batch) == 500:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    return deleted
