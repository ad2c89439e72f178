"""End to end: a real Celery worker (with beat) on a real Redis broker, a database
file (or PostgreSQL database) that every process sees, and the fake X/Facebook
server on loopback. The processes and the moves are in e2e_stack.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
import requests

from tests.conftest import require_service
from tests.publishing.e2e_stack import (
    Stack,
    all_sent,
    networks_environment,
    own_broker,
    own_database,
    pipeline_environment,
    posts_per_tip,
)
from tests.publishing.fake_social import FakeSocialServer
from tests.publishing.private_redis import PrivateRedis
from tests.support.processes import ROOT, kill_group, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.redis]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    broker, broker_prefix, delete_broker = own_broker(purpose="pipe_e2e")
    tmp = tmp_path_factory.mktemp("pipeline")
    database_url, drop_database = own_database(tmp, purpose="pipe_e2e")
    fake = FakeSocialServer(port=0).start()
    env = {
        **pipeline_environment(
            tmp, database_url=database_url, broker_url=broker, broker_prefix=broker_prefix, fake_url=fake.url
        ),
        "PUBLISHING_SWEEP_INTERVAL_SECONDS": "1",
        "PUBLISHING_CLAIM_LEASE_SECONDS": "4",
        "PUBLISHING_RETRY_BASE_SECONDS": "1",
        "PUBLISHING_RETRY_MAX_SECONDS": "2",
        "PUBLISHING_HTTP_TIMEOUT": "10",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp / "mail"),
        "STAFF_NOTIFY_EMAILS": "ops@example.com",
    }
    running = Stack(tmp, env, fake)
    running.migrate()
    yield running
    running.stop()
    fake.stop()
    drop_database()
    delete_broker()


@pytest.fixture
def worker(stack):
    stack.reset_fake()
    stack.start_worker()
    yield stack
    stack.stop_worker()


def test_fifty_tips_at_once_reach_each_network_exactly_once(worker):
    tip_ids = worker.publish([f"一斉公開のヒント その{n}" for n in range(50)])
    rows = worker.wait_for_deliveries(tip_ids, all_sent)
    assert len(rows) == 100
    counts = posts_per_tip(worker.posts(), tip_ids)
    assert len(counts) == 100 and set(counts.values()) == {1}
    assert "outcome=sent" in worker.worker_log() and "duration_ms=" in worker.worker_log()


def kill_at_first_post_and_restart(worker, tip_ids) -> list[dict]:
    """SIGKILL the worker as soon as the first post lands (slow answers keep
    others in flight), then start it again; returns the rows it held."""
    deadline = time.monotonic() + 30
    while not worker.posts() and time.monotonic() < deadline:
        time.sleep(0.2)
    worker.kill_worker()
    in_flight = [row for row in worker.deliveries(tip_ids) if row["status"] == "sending"]
    worker.start_worker()
    return in_flight


def test_worker_killed_mid_way_loses_nothing_and_duplicates_nothing(worker):
    # Slow answers keep sends in flight when the worker dies.
    worker.script(
        {
            "x": [{"status": "ok", "delay": 1.5, "method": "POST"}] * 12,
            "facebook": [{"status": "ok", "delay": 1.5, "method": "POST"}] * 12,
        }
    )
    tip_ids = worker.publish([f"強制終了テスト {n}" for n in range(12)])
    in_flight = kill_at_first_post_and_restart(worker, tip_ids)
    rows = worker.wait_for_deliveries(tip_ids, all_sent, timeout=120)
    counts = posts_per_tip(worker.posts(), tip_ids)
    assert len(counts) == 24 and set(counts.values()) == {1}, (counts, in_flight)
    assert len(rows) == 24
    if in_flight:
        # Rows the dead worker held were looked up, never re-sent blindly.
        assert "reconciled after a stuck send" in worker.worker_log()


def test_line_broadcasts_survive_a_worker_killed_mid_send_exactly_once(worker):
    # LINE cannot be searched: a send whose worker died is settled by sending
    # again with the delivery's X-Line-Retry-Key, which LINE executes once.
    slow = [{"status": "ok", "delay": 1.5, "method": "POST"}] * 8
    worker.script({"x": slow, "facebook": slow, "line": slow})
    tip_ids = worker.publish([f"LINEで届く強制終了テスト {n}" for n in range(8)], line=True)
    in_flight = kill_at_first_post_and_restart(worker, tip_ids)
    rows = worker.wait_for_deliveries(tip_ids, all_sent, timeout=120)
    counts = posts_per_tip(worker.posts(), tip_ids)
    assert len(rows) == 24 and {row["channel"] for row in rows} == {"x", "facebook", "line"}
    assert len(counts) == 24 and set(counts.values()) == {1}, (counts, in_flight)
    line_keys = [post["retry_key"] for post in worker.posts() if post["network"] == "line"]
    assert len(line_keys) == 8 and all(line_keys)


def test_bluesky_and_mastodon_worker_killed_mid_way_lose_nothing_and_duplicate_nothing(stack):
    """The same kill, with the atproto and Mastodon.py clients: a post in
    flight is found (Bluesky's record list, Mastodon's statuses) or re-sent
    under the same record key / Idempotency-Key, never posted twice."""
    stack.reset_fake()
    env = networks_environment(stack.fake.url, ("bluesky", "mastodon"))
    slow = [{"status": "ok", "delay": 1.5, "method": "POST"}] * 12
    stack.script({"bluesky": slow, "mastodon": slow})
    stack.start_worker(env=env)
    try:
        tip_ids = stack.publish([f"新しいネットワークで強制終了 {n}" for n in range(12)], env=env)
        deadline = time.monotonic() + 30
        while not stack.posts() and time.monotonic() < deadline:
            time.sleep(0.2)
        stack.kill_worker()
        in_flight = [row for row in stack.deliveries(tip_ids) if row["status"] == "sending"]
        stack.start_worker(env=env)
        rows = stack.wait_for_deliveries(tip_ids, all_sent, timeout=120)
    finally:
        stack.stop_worker()
    counts = posts_per_tip(stack.posts(), tip_ids)
    assert {network for network, _tip in counts} == {"bluesky", "mastodon"}
    assert len(counts) == 24 and set(counts.values()) == {1}, (counts, in_flight)
    assert len(rows) == 24
    if in_flight:
        assert "reconciled after a stuck send" in stack.worker_log()


@pytest.fixture
def private_redis(tmp_path):
    require_service("redis-server", shutil.which("redis-server") is not None, "the redis-server binary")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


# The publishing side: tips published one by one, in one process as a web
# worker would; it pauses after the first few until the test has stopped the
# broker, then publishes the rest into the outage.
PUBLISHER = """
import json, os, pathlib, time
from qa import services
go_on = pathlib.Path(os.environ["E2E_GO_ON_FILE"])
for n, title in enumerate(json.loads(os.environ["E2E_TITLES"])):
    if n == int(os.environ["E2E_PAUSE_AFTER"]):
        print("PAUSED", flush=True)
        while not go_on.exists():
            time.sleep(0.05)
    tip = services.tip_create(title=title, answer_text="答え: " + title)
    print("PUBLISHED", services.tip_publish(tip=tip).pk, flush=True)
"""


def test_broker_stopped_while_tips_are_published_and_restarted_loses_and_duplicates_nothing(stack, private_redis):
    stack.reset_fake()
    broker = {"CELERY_BROKER_URL": private_redis.url}
    stack.start_worker(env=broker)
    try:
        stack.wait_for_worker_log(r"@\S+ ready\.")
        before, during = (
            ["ブローカー稼働中の公開 1", "ブローカー稼働中の公開 2"],
            [f"ブローカー停止中の公開 {n}" for n in range(4)],
        )
        go_on = stack.tmp / "broker-stopped"
        go_on.unlink(missing_ok=True)
        publisher = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", PUBLISHER],
            cwd=ROOT,
            text=True,
            env={
                **stack.env,
                **broker,
                "E2E_GO_ON_FILE": str(go_on),
                "E2E_PAUSE_AFTER": str(len(before)),
                "E2E_TITLES": json.dumps(before + during),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # Reading its output blocks: should the publisher hang, kill it, which ends the output.
        watchdog = threading.Timer(90, lambda: kill_group(publisher))
        watchdog.start()
        try:
            lines = []
            for line in publisher.stdout:
                lines.append(line)
                if line.startswith("PAUSED"):
                    break
            assert lines and lines[-1].startswith("PAUSED"), "".join(lines)[-4000:]
            sent_before = [int(line.split()[1]) for line in lines if line.startswith("PUBLISHED")]
            # Through the broker while it is up.
            stack.wait_for_deliveries(sent_before, all_sent, timeout=30)

            private_redis.stop()
            go_on.touch()
            output = "".join(lines) + publisher.stdout.read()
            assert publisher.wait(timeout=60) == 0, output[-4000:]
        finally:
            watchdog.cancel()
            kill_group(publisher)
        # Publishing succeeded; the broker outage was only logged.
        published_during = [int(line.split()[1]) for line in output.splitlines() if line.startswith("PUBLISHED")]
        published_during = [tip_id for tip_id in published_during if tip_id not in sent_before]
        assert len(published_during) == len(during)
        assert output.count("Could not enqueue send_delivery") == 2 * len(during), output[-4000:]
        rows = stack.deliveries(published_during)
        assert len(rows) == 2 * len(during) and {row["status"] for row in rows} == {"pending"}
        assert not posts_per_tip(stack.posts(), published_during)

        # The worker noticed, and keeps trying to reconnect.
        stack.wait_for_worker_log(r"Connection to broker lost")
        stack.wait_for_worker_log(r"Cannot connect to redis://")

        # The broker comes back on the same port, empty. The worker reconnects
        # and its beat runs the sweeper, which finds the pending rows.
        outage_log_offset = len(stack.current_worker_log())
        private_redis.start()
        stack.wait_for_worker_log(rf"Connected to redis://[^\n]*:{private_redis.port}/0", after=outage_log_offset)
        rows = stack.wait_for_deliveries(published_during, all_sent, timeout=45)
        assert {row["attempts"] for row in rows} == {1}

        tip_ids = sent_before + published_during
        counts = posts_per_tip(stack.posts(), tip_ids)
        assert len(counts) == 2 * len(tip_ids) and set(counts.values()) == {1}, counts
        after_outage = stack.current_worker_log()[outage_log_offset:]
        # No send message survived the outage: the sweeper found the rows and
        # fanned out one send task per row.
        assert "Task publishing.sweep_deliveries" in after_outage
        assert re.search(r"sweep fanned out: reconcile=\d+ delete=\d+ send=[1-9]", after_outage), after_outage[-4000:]
    finally:
        stack.stop_worker()


def test_server_errors_then_rate_limit_then_success_is_sent_once(worker):
    worker.script(
        {
            "x": [
                {"status": 500, "method": "POST"},
                {"status": 503, "method": "POST"},
                {"status": 429, "reset_in": 2, "method": "POST"},
            ]
        }
    )
    tip_ids = worker.publish(["混雑時の再試行"])
    rows = worker.wait_for_deliveries(tip_ids, all_sent)
    x_row = next(row for row in rows if row["channel"] == "x")
    assert x_row["attempts"] >= 4
    counts = posts_per_tip(worker.posts(), tip_ids)
    assert counts == Counter({("x", tip_ids[0]): 1, ("facebook", tip_ids[0]): 1})


def test_unauthorised_fails_flags_the_channel_and_mails_staff(worker, stack):
    worker.script({"always": {"x": 401}})
    tip_ids = worker.publish(["認証切れ"])
    rows = worker.wait_for_deliveries(
        tip_ids,
        lambda rows: {r["status"] for r in rows} >= {"failed"} and all(r["status"] in {"failed", "sent"} for r in rows),
    )
    x_row = next(row for row in rows if row["channel"] == "x")
    assert x_row["status"] == "failed" and x_row["error_kind"] == "needs_reauth"
    assert next(row for row in rows if row["channel"] == "facebook")["status"] == "sent"
    assert (
        stack.shell("""
        import json
        from publishing.models import ChannelState
        print(json.dumps(ChannelState.objects.get(kind="x").needs_reauth))
    """)
        is True
    )
    mails = wait_for(
        lambda: list((stack.tmp / "mail").glob("*.log")), timeout=20, interval=0.5, what="the mail to staff"
    )
    assert len(mails) == 1
    message = mails[0].read_text()
    assert "To: ops@example.com" in message and "re-authorisation" in message


# --- Chaos: hundreds of tips, repeated SIGKILLs, a broker outage and API faults --------------------

CHAOS_TIPS = 150
# Faults on post creation, drawn for every POST: server errors, rate limits,
# and the two that leave the outcome unknown: the post is created and then the
# connection drops, or nothing is answered until the client gives up.
CHAOS_FAULTS = [
    [0.03, {"status": 500}],
    [0.02, {"status": 429, "reset_in": 1}],
    [0.03, {"status": "drop"}],
    [0.02, {"status": "hang", "delay": 3}],
    [0.10, {"status": "ok", "delay": 0.4}],
]
CHAOS_PUBLISHER = """
import json, os, time
from qa import services
for title in json.loads(os.environ["E2E_TITLES"]):
    tip = services.tip_create(title=title, answer_text="答え: " + title)
    print("PUBLISHED", services.tip_publish(tip=tip).pk, flush=True)
    time.sleep(0.05)
"""


@pytest.mark.parametrize("networks", [("x", "facebook"), ("bluesky", "mastodon")], ids="+".join)
def test_chaos_hundreds_of_tips_worker_kills_broker_outage_and_api_faults_end_exactly_once_or_unknown(
    stack, private_redis, networks
):
    """The conditions under which duplicates appeared in production: every
    (tip, network) must end with exactly one post and a `sent` row, or a row
    `unknown` with the reason (and at most one post); none lost."""
    stack.reset_fake()
    # An earlier test may have left a channel flagged for re-authorisation.
    stack.shell("""
        from publishing.models import ChannelState
        print(ChannelState.objects.update(needs_reauth=False))
    """)
    requests.post(
        f"{stack.fake.url}/_fake/chaos",
        json={"seed": 7, "allow_duplicates": True, "post": {network: CHAOS_FAULTS for network in networks}},
        timeout=5,
    ).raise_for_status()
    env = {
        **networks_environment(stack.fake.url, networks),
        "CELERY_BROKER_URL": private_redis.url,
        "PUBLISHING_HTTP_TIMEOUT": "2",
    }
    stack.start_worker(env=env, concurrency=2)
    stack.wait_for_worker_log(r"@\S+ ready\.")
    titles = [f"カオス試験のヒント {n}" for n in range(CHAOS_TIPS)]
    publisher = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", CHAOS_PUBLISHER],
        cwd=ROOT,
        text=True,
        env={**stack.env, **env, "E2E_TITLES": json.dumps(titles)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(publisher.stdout), daemon=True)
    reader.start()
    kills, outage_done, started = 0, False, time.monotonic()
    try:
        # Each worker run sends a few posts, then gets a SIGKILL (whatever it
        # is doing: a send in flight, a commit, a reconcile) and a restart;
        # after the second kill the broker is down for 6 s. Kills go on until
        # every tip is published and 6 were done.
        while publisher.poll() is None or kills < 6:
            wait_for(
                lambda: stack.current_worker_log().count("outcome=") >= 12,
                timeout=90,
                interval=0.1,
                process=stack.worker,
                what=lambda: f"sends by the worker:\n{stack.current_worker_log()[-3000:]}",
            )
            time.sleep(0.5 * (kills % 3))
            stack.kill_worker()
            kills += 1
            if kills == 2 and not outage_done:
                private_redis.stop()
                time.sleep(6)
                private_redis.start()
                outage_done = True
            stack.start_worker(env=env, concurrency=2)
            assert time.monotonic() - started < 240, "the publisher never finished:\n" + "".join(output)[-3000:]
        reader.join(timeout=10)
        assert publisher.wait(timeout=10) == 0, "".join(output)[-4000:]
        tip_ids = [int(line.split()[1]) for line in output if line.startswith("PUBLISHED")]
        assert len(tip_ids) == CHAOS_TIPS

        def settled(rows):
            return len(rows) == 2 * CHAOS_TIPS and all(row["status"] in {"sent", "unknown"} for row in rows)

        try:
            rows = stack.wait_for_deliveries(tip_ids, settled, timeout=150)
        except AssertionError:
            rows = stack.deliveries(tip_ids)
            log = stack.worker_log()
            errors = [line for line in log.splitlines() if "ERROR" in line or "Traceback" in line or "WARNING" in line]
            pytest.fail(
                f"not settled: {Counter(row['status'] for row in rows)}; "
                f"{[row for row in rows if row['status'] not in {'sent', 'unknown'}][:10]}\n" + "\n".join(errors[-40:])
            )
    finally:
        kill_group(publisher)
        stack.stop_worker()

    posts = stack.posts()
    counts = posts_per_tip(posts, tip_ids)
    duplicates = {key: count for key, count in counts.items() if count > 1}
    lost = [row for row in rows if row["status"] == "sent" and counts[(row["channel"], row["tip_id"])] == 0]
    unknown = [row for row in rows if row["status"] == "unknown"]
    assert not duplicates, duplicates
    assert not lost, lost
    post_ids = {(post["network"], post["id"]) for post in posts if not post["deleted"]}
    assert all((row["channel"], row["remote_id"]) in post_ids for row in rows if row["status"] == "sent")
    assert all("could not be proven" in row["last_error"] for row in unknown), unknown
    reconciled = Counter(row["reconciliation"] for row in rows if row["reconciliation"])
    log = stack.worker_log()
    # The faults did happen: sends were reconciled after kills and after unanswered posts.
    assert "reconciled after a stuck send" in log and reconciled["found"] >= 1, reconciled
    print(
        f"chaos: {CHAOS_TIPS} tips x {'+'.join(networks)}, {kills} SIGKILLs, one 6 s broker outage; "
        f"posts {len(post_ids)}, unknown {len(unknown)}, reconciled {dict(reconciled)}, "
        f"{time.monotonic() - started:.0f} s; Bluesky sessions created {stack.fake.state.bluesky_sessions_created}, "
        f"Mastodon posts answered from their Idempotency-Key {stack.fake.state.mastodon_idempotent_replays}"
    )
