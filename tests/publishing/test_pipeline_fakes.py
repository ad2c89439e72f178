"""A scriptable in-process channel for the pipeline's unit tests (no HTTP).

The real channels are tested against the network edge elsewhere; here the
pipeline's own rules (claim, retries, reconciliation, drip) are the subject.
Imported by the pipeline test modules; it holds no tests of its own.
"""

import pytest

from publishing.channels.base import Channel, FindResult, Post, Remote
from supportsite.celery import app as celery_app


class Script:
    """What the fake network does next. Reset for every test."""

    def __init__(self):
        self.send_results = []  # exceptions to raise, in order; then success
        # A Remote (found), None (proven absent), a FindResult, or an exception to raise.
        self.find_result = None
        self.find_since = []
        self.sent = []
        self.deleted = []
        self.delete_error = None
        self.finds = 0


SCRIPT = Script()


class ScriptedChannel(Channel):
    label = "Scripted"
    enabled = True

    def compose(self, tip, *, text_override: str = "") -> Post:
        text = text_override or tip.title
        return Post(
            text=f"{text}\n{tip.get_canonical_url()}",
            link=tip.get_canonical_url(),
            details={"weighted_length": len(text) * 2},
        )

    def send(self, post: Post) -> Remote:
        if SCRIPT.send_results:
            result = SCRIPT.send_results.pop(0)
            if isinstance(result, BaseException):
                raise result
        SCRIPT.sent.append((self.kind, post))
        number = len(SCRIPT.sent)
        return Remote(id=f"{self.kind}-{number}", url=f"https://social.example/{self.kind}/{number}")

    def find(self, tip, *, since):
        SCRIPT.finds += 1
        SCRIPT.find_since.append(since)
        result = SCRIPT.find_result
        if isinstance(result, BaseException):
            raise result
        if isinstance(result, FindResult):
            return result
        return FindResult.proven_absent() if result is None else FindResult.found(result)

    def delete(self, remote: Remote) -> None:
        if SCRIPT.delete_error is not None:
            raise SCRIPT.delete_error
        SCRIPT.deleted.append(remote.id)


@pytest.fixture(name="scripted")
def scripted_fixture(settings):
    """Two scripted channels ("alpha", "beta"), no drip, posting all day, and
    Celery tasks run eagerly so after-commit enqueues execute in-process."""
    path = "tests.publishing.test_pipeline_fakes.ScriptedChannel"
    settings.PUBLISHING_CHANNEL_CLASSES = {"alpha": path, "beta": path}
    settings.PUBLISHING_CHANNEL_OVERRIDES = {
        kind: {"drip_interval_minutes": 0, "posting_hours": "00:00-24:00"} for kind in ("alpha", "beta")
    }
    settings.PUBLISHING_RETRY_BASE_SECONDS = 30
    settings.PUBLISHING_RETRY_MAX_SECONDS = 3600
    settings.PUBLISHING_MAX_ATTEMPTS = 4
    settings.STAFF_NOTIFY_EMAILS = ["ops@example.com"]
    # Reset in place: ScriptedChannel instances read the module's SCRIPT.
    SCRIPT.__dict__.update(Script().__dict__)
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield SCRIPT
    celery_app.conf.task_always_eager = eager
