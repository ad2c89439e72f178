"""Test data built once for a run of consecutive tests, each test still seeing it as built.

Some fixtures make many rows, users, a published tip, a re-encoded image... and
hundreds of parameterised tests ask for them (the permission matrix, the bad-input
sweep, the CSRF table). Building them per test cost more than most of those tests.

How: the first test that asks for the data opens a transaction (the "outer"
atomic) and builds the data in it. Every test then runs in pytest-django's usual
per-test transaction, which, nested in the outer one, is a savepoint: whatever a
test changes is rolled back, and the next test sees the data exactly as built.
This is what Django's TestCase.setUpTestData does per class; pytest-django leaves
TestCase's class-level transaction out precisely so that fixtures can do this.

The outer transaction is rolled back as soon as the next test does not ask for the
same data (pytest_runtest_teardown in tests/conftest.py calls `shared_data_release`),
so a test that does not ask for it never sees it, and its own `customer` or `staff`
never collides with the shared ones. Tests are run in file order, so the
parameterised tests that share the data run one after the other and build it once.

Python objects are deep-copied for each test (as setUpTestData's do), and files the
build wrote under MEDIA_ROOT and CONVERSATION_ATTACHMENT_ROOT are copied into the
test's own temporary folders (tests/conftest.py gives each test new ones).
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

# The settings naming folders the build may write files into.
FILE_ROOTS = ("MEDIA_ROOT", "CONVERSATION_ATTACHMENT_ROOT")


@dataclass
class _Held:
    atomic: object
    blocker: object
    value: object
    roots: dict[str, Path]


_held: dict[str, _Held] = {}


def shared_data(request: pytest.FixtureRequest, build: Callable[[], object]):
    """Call from a function-scoped fixture (which must not request `db` itself):
    returns a copy of what build() returned, built once for the consecutive tests
    that use this fixture, and gives the test its database (the `db` fixture)."""
    from django.conf import settings
    from django.db import connection, transaction

    name = request.fixturename
    marker = request.node.get_closest_marker("django_db")
    if {"transactional_db", "live_server"} & set(request.fixturenames) or (marker and marker.kwargs.get("transaction")):
        # A transactional test empties the tables, which the outer transaction cannot survive.
        raise RuntimeError(f"the `{name}` fixture cannot be used by a transactional test")
    held = _held.get(name)
    if held is None:
        request.getfixturevalue("django_db_setup")
        if connection.in_atomic_block:
            raise RuntimeError(
                f"the `{name}` fixture must be set up before any fixture that uses the database "
                "(name it first among the test's arguments)"
            )
        blocker = request.getfixturevalue("django_db_blocker")
        with blocker.unblock():
            atomic = transaction.atomic()
            # Marked as TestCase marks its own: a durable atomic inside a test is still allowed.
            atomic._from_testcase = True
            atomic.__enter__()
            try:
                value = build()
            except BaseException:
                _rollback(atomic)
                raise
        # A copy of the files as built: the first test may delete some of its own.
        snapshot = request.getfixturevalue("tmp_path_factory").mktemp(f"shared-{name}")
        roots = {}
        for root in FILE_ROOTS:
            roots[root] = snapshot / root
            shutil.copytree(getattr(settings, root), roots[root], dirs_exist_ok=True)
        held = _held[name] = _Held(atomic, blocker, value, roots)
    else:
        for root, built in held.roots.items():
            shutil.copytree(built, getattr(settings, root), dirs_exist_ok=True)
    request.getfixturevalue("db")
    return copy.deepcopy(held.value)


def shared_data_needs_database(items: list[pytest.Item], names: set[str]) -> None:
    """At collection: the tests using a shared-data fixture need the test database.
    pytest-django sets it up for the tests that name `db`; naming it last keeps the
    order right (the outer transaction first, then the test's own savepoint)."""
    for item in items:
        if names & set(item.fixturenames) and "db" not in item.fixturenames:
            item.fixturenames.append("db")


def shared_data_release(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After a test's teardown: roll back the shared data the next test does not ask for."""
    for name in list(_held):
        if nextitem is None or name not in nextitem.fixturenames or nextitem.path != item.path:
            held = _held.pop(name)
            with held.blocker.unblock():
                _rollback(held.atomic)


def _rollback(atomic) -> None:
    from django.db import transaction

    transaction.set_rollback(True)
    atomic.__exit__(None, None, None)
