"""The admin's FAQ import as a background job (qa.import_jobs, qa.tasks), and
the import's cost: streaming reads and a fixed number of queries per batch.
The rows' own rules (encodings, bad rows, re-imports) are in test_import_faq
and tests/security/test_bad_input_admin."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qa import import_jobs
from qa.importing import faq_import, faq_rows_iter
from qa.models import ImportJob, RelatedTip, Tip
from qa.tasks import generate_share_images, publish_related_tips, run_import_job, sweep_import_jobs
from tests.qa.related import tip_related


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def faq_csv(rows: int, *, start: int = 0, bad_every: int = 0) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["question", "answer", "category", "tags"])
    for number in range(start, start + rows):
        answer = "" if bad_every and number % bad_every == 0 else f"**{number}**: 全国一律500円です。"
        writer.writerow([f"質問 {number} の送料は？", answer, f"カテゴリ{number % 5}", f"送料、タグ{number % 7}"])
    return out.getvalue().encode()


def upload(client, content: bytes, **options):
    data = {"file": SimpleUploadedFile("よくある質問.csv", content, content_type="text/csv"), "encoding": "utf-8"}
    data.update({name: "on" for name, value in options.items() if value})
    return client.post(reverse("admin:qa_tip_import"), data)


def test_an_upload_becomes_a_queued_job_and_its_page_refreshes_itself(staff_client, staff, settings):
    response = upload(staff_client, faq_csv(3))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:qa_tip_import_job", args=[job.pk])
    assert (job.status, job.started_by, job.file_name, job.dry_run) == ("queued", staff, "よくある質問.csv", False)
    # Kept privately: under MEDIA_ROOT/private/imports, with a name of our own.
    stored = settings.MEDIA_ROOT / "private" / "imports"
    assert [path.suffix for path in stored.rglob("*.csv")] == [".csv"]
    assert "よくある質問" not in job.file.name
    page = staff_client.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    # The refresh is a meta tag: no inline script in the page's head (the CSP allows none).
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.split("</head>")[0])
    assert not Tip.objects.exists()


def test_the_job_runs_in_the_task_and_its_page_shows_the_report(staff_client):
    response = upload(staff_client, faq_csv(6, bad_every=4))
    job = ImportJob.objects.get()
    run_import_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created, job.failed, job.percent) == ("done", 4, 2, 100)
    assert job.failures == [[2, "The answer is empty."], [6, "The answer is empty."]]
    page = staff_client.get(response["Location"]).content.decode()
    assert "4 created, 0 updated, 0 unchanged, 2 failed." in page
    assert "<td>6</td><td><bdi>The answer is empty.</bdi></td>" in page
    assert 'http-equiv="refresh"' not in page  # finished: no more refreshing
    assert Tip.objects.published().count() == 4
    # Listed on the import page for whoever comes back later.
    assert (
        reverse("admin:qa_tip_import_job", args=[job.pk])
        in staff_client.get(reverse("admin:qa_tip_import")).content.decode()
    )


def test_a_job_runs_once_even_if_its_task_is_delivered_twice(staff_client):
    upload(staff_client, faq_csv(2))
    job = ImportJob.objects.get()
    assert import_jobs.import_job_run(job_id=job.pk).created == 2
    assert import_jobs.import_job_run(job_id=job.pk) is None
    assert Tip.objects.count() == 2


def test_progress_is_saved_after_every_batch(staff_client, monkeypatch):
    monkeypatch.setattr("qa.importing.IMPORT_BATCH_SIZE", 10)
    upload(staff_client, faq_csv(35))
    job = ImportJob.objects.get()
    seen = []
    save = import_jobs._save_progress

    def spy(job, report, *, bytes_read):
        save(job, report, bytes_read=bytes_read)
        seen.append(ImportJob.objects.values_list("status", "created", "bytes_read", "heartbeat_at").get(pk=job.pk))

    monkeypatch.setattr(import_jobs, "_save_progress", spy)
    run_import_job(job.pk)
    assert [created for _status, created, _bytes, _beat in seen] == [10, 20, 30, 35, 35]
    assert [status for status, _created, _bytes, _beat in seen] == ["running"] * 5
    read = [bytes_read for _status, _created, bytes_read, _beat in seen]
    assert read == sorted(read) and read[-1] == job.file_size
    # Every batch renews the heartbeat that tells the sweep the worker is alive.
    beats = [beat for _status, _created, _bytes, beat in seen]
    assert None not in beats and beats == sorted(beats)
    assert ImportJob.objects.get(pk=job.pk).status == "done"


def test_a_running_jobs_page_shows_how_far_it_got(staff_client, staff):
    job = ImportJob.objects.create(
        file_name="faq.csv",
        file_size=1000,
        bytes_read=420,
        encoding="utf-8",
        status="running",
        created=12,
        started_by=staff,
    )
    page = staff_client.get(reverse("admin:qa_tip_import_job", args=[job.pk])).content.decode()
    assert "Import in progress" in page
    assert '<progress max="100" value="42"' in page
    assert "<td>12</td>" in page
    assert 'http-equiv="refresh"' in page


def test_a_file_that_cannot_be_read_fails_the_job_with_the_reason(staff_client):
    upload(staff_client, "question,answer\r\n送料,500円\r\n".encode() + b"\xff\xfe,x\r\n")
    job = ImportJob.objects.get()
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "Line 3 is not valid UTF-8. Nothing was imported" in job.error
    assert not Tip.objects.exists()


def test_a_dry_run_job_saves_nothing(staff_client):
    upload(staff_client, faq_csv(3), dry_run=True)
    run_import_job(ImportJob.objects.get().pk)
    assert ImportJob.objects.get().created == 3
    assert not Tip.objects.exists()


def test_a_large_file_imports_with_a_fixed_number_of_queries_per_batch(db):
    """1,000 rows in batches of 100: a few queries per batch (reads, bulk
    inserts, which SQLite splits by its variable limit), not a dozen per row."""
    rows = 1000
    with CaptureQueriesContext(connection) as queries:
        report = faq_import(rows=faq_rows_iter(stream=io.BytesIO(faq_csv(rows))), batch_size=100)
    assert (report.created, report.failed) == (rows, 0)
    batches = rows // 100
    # First batch only: 5 categories and 8 tags created one by one (taggit makes unique slugs).
    first_time = 5 * 2 + 8 * 3
    # Each batch also recounts the published tips of the categories it touched
    # (3 queries a category: lock, count, update), for the home page's counters.
    categories = 5
    assert len(queries) <= batches * (12 + 3 * categories) + first_time, len(queries)
    tip = Tip.objects.get(title="質問 999 の送料は？")
    assert tip.answer_html == "<p><strong>999</strong>: 全国一律500円です。</p>"  # derived columns computed
    assert sorted(tip.tags.names()) == ["タグ5", "送料"]
    assert tip.is_published and tip.category.name == "カテゴリ4"
    # The home page's counters follow a bulk import, as they follow tip_publish.
    assert tip.category.published_tip_count == Tip.objects.published().filter(category=tip.category).count() > 0
    # Importing the same file again finds every row unchanged, still in a few queries per batch.
    with CaptureQueriesContext(connection) as queries:
        again = faq_import(rows=faq_rows_iter(stream=io.BytesIO(faq_csv(rows))), batch_size=100)
    assert (again.unchanged, again.created) == (rows, 0)
    assert len(queries) <= batches * 6


class CountingStream(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def read1(self, size=-1):
        chunk = super().read1(size)
        self.bytes_read += len(chunk)
        return chunk

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.bytes_read += count
        return count


def test_the_file_is_read_as_a_stream_not_whole():
    data = faq_csv(20000)  # about 1.5 MB
    stream = CountingStream(data)
    rows = faq_rows_iter(stream=stream)
    first = next(rows)
    assert first.line == 2
    assert stream.bytes_read < 256 * 1024 < len(data)
    assert sum(1 for _row in rows) == 19999


def test_bulk_imported_tips_get_their_share_images_drawn(db, django_capture_on_commit_callbacks, monkeypatch):
    """What tip_create does for one tip (enqueue its share image), the batch
    does for all, SHARE_IMAGES_PER_TASK tips per task."""
    monkeypatch.setattr("qa.share_image_store.SHARE_IMAGES_PER_TASK", 2)
    queued = []
    monkeypatch.setattr("qa.tasks.generate_share_images.delay", queued.append)
    monkeypatch.setattr("qa.tasks.generate_share_image.delay", lambda tip_id: queued.append([tip_id]))
    with django_capture_on_commit_callbacks(execute=True):
        faq_import(rows=faq_rows_iter(stream=io.BytesIO(faq_csv(5))))
    assert [len(chunk) for chunk in queued] == [2, 2, 1]
    assert sorted(pk for chunk in queued for pk in chunk) == sorted(Tip.objects.values_list("pk", flat=True))


def test_a_share_images_task_draws_every_tip_even_if_one_fails(db, make_tip, monkeypatch):
    tips = [make_tip(title=f"Tip {number}") for number in range(3)]
    drawn = []

    def draw(*, tip_id):
        if tip_id == tips[0].pk:
            raise OSError("disk full")
        drawn.append(tip_id)

    monkeypatch.setattr("qa.share_image_store.tip_share_image_generate", draw)
    generate_share_images([tip.pk for tip in tips])
    assert drawn == [tips[1].pk, tips[2].pk]


def test_bulk_imported_tips_get_their_related_tips_after_commit(db, django_capture_on_commit_callbacks, monkeypatch):
    """What tip_publish does for one tip (its related list, and its place in
    the others'), a task does for a batch once it is committed."""
    queued = []
    monkeypatch.setattr("qa.tasks.publish_related_tips.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        faq_import(rows=faq_rows_iter(stream=io.BytesIO(faq_csv(12))))
    assert sorted(pk for batch in queued for pk in batch) == sorted(Tip.objects.values_list("pk", flat=True))
    for batch in queued:
        publish_related_tips(batch)  # what the worker runs
    tip = Tip.objects.get(title="質問 11 の送料は？")
    assert RelatedTip.objects.filter(tip=tip).exists()  # stored by the task, not only the read-time filler
    related = tip_related(tip=tip)
    assert related and tip not in related
    assert set(related[0].tags.names()) & set(tip.tags.names())


# --- The uploaded file is deleted when the job finishes -------------------------------------------


def stored_files(settings) -> list[Path]:
    return list((Path(settings.MEDIA_ROOT) / "private" / "imports").rglob("*.csv"))


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_finished_job_deletes_its_file_and_its_page_says_so(staff_client, settings, dry_run):
    response = upload(staff_client, faq_csv(3), dry_run=dry_run)
    assert len(stored_files(settings)) == 1
    run_import_job(ImportJob.objects.get().pk)
    job = ImportJob.objects.get()
    assert (job.status, job.file.name, job.can_run_again) == ("done", "", False)
    assert stored_files(settings) == []
    page = staff_client.get(response["Location"]).content.decode()
    assert "The uploaded file was deleted when the import finished." in page
    assert "Run this import again" not in page


def test_a_file_refused_as_a_whole_is_deleted_too(staff_client, settings):
    upload(staff_client, "question,answer\r\n送料,500円\r\n".encode() + b"\xff\xfe,x\r\n")
    run_import_job(ImportJob.objects.get().pk)
    assert ImportJob.objects.get().status == "failed"
    assert stored_files(settings) == []


def test_the_file_deletion_is_said_in_japanese(staff_client, settings):
    response = upload(staff_client, faq_csv(1))
    run_import_job(ImportJob.objects.get().pk)
    page = staff_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "アップロードされたファイルは、取り込みの終了時に削除しました。" in page


# --- A job whose worker died ----------------------------------------------------------------------


def running_job(staff_client, *, seconds_since_heartbeat: float) -> ImportJob:
    """An uploaded job a worker claimed and then stopped renewing."""
    upload(staff_client, faq_csv(3))
    job = ImportJob.objects.order_by("-pk").first()
    beat = timezone.now() - timedelta(seconds=seconds_since_heartbeat)
    ImportJob.objects.filter(pk=job.pk).update(status="running", started_at=beat, heartbeat_at=beat, run_number=1)
    return ImportJob.objects.get(pk=job.pk)


def test_a_job_whose_worker_died_fails_when_its_page_is_viewed_and_can_run_again(staff_client, settings):
    job = running_job(staff_client, seconds_since_heartbeat=settings.IMPORT_JOB_LEASE_SECONDS + 1)
    page = staff_client.get(reverse("admin:qa_tip_import_job", args=[job.pk])).content.decode()
    job.refresh_from_db()
    assert (job.status, job.interrupted, job.can_run_again) == ("failed", True, True)
    assert "The worker running this import stopped without finishing" in page
    assert "The uploaded file is kept so that the import can run again." in page
    assert 'http-equiv="refresh"' not in page
    assert reverse("admin:qa_tip_import_job_run_again", args=[job.pk]) in page
    assert len(stored_files(settings)) == 1  # kept for the next run
    # In Japanese too.
    page = staff_client.get(
        reverse("admin:qa_tip_import_job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    assert "この取り込みをもう一度実行" in page


def test_a_job_within_its_lease_keeps_running(staff_client, settings):
    job = running_job(staff_client, seconds_since_heartbeat=settings.IMPORT_JOB_LEASE_SECONDS - 30)
    page = staff_client.get(reverse("admin:qa_tip_import_job", args=[job.pk])).content.decode()
    assert ImportJob.objects.get(pk=job.pk).status == "running"
    assert "Import in progress" in page and 'http-equiv="refresh"' in page


def test_the_beat_sweep_fails_dead_jobs_and_deletes_files_finished_jobs_kept(staff_client, settings, staff):
    dead = running_job(staff_client, seconds_since_heartbeat=settings.IMPORT_JOB_LEASE_SECONDS + 1)
    ImportJob.objects.filter(pk=dead.pk).update(created_at=timezone.now() - timedelta(hours=1))
    alive = running_job(staff_client, seconds_since_heartbeat=5)  # the newest upload
    # A job that finished before files were deleted still holds its file.
    upload(staff_client, faq_csv(2))
    old = ImportJob.objects.order_by("-pk").first()
    ImportJob.objects.filter(pk=old.pk).update(status="done", finished_at=timezone.now())
    assert len(stored_files(settings)) == 3
    assert settings.CELERY_BEAT_SCHEDULE["import-jobs-sweep"]["task"] == sweep_import_jobs.name
    sweep_import_jobs()
    statuses = dict(ImportJob.objects.values_list("pk", "status"))
    assert (statuses[dead.pk], statuses[alive.pk], statuses[old.pk]) == ("failed", "running", "done")
    assert ImportJob.objects.get(pk=old.pk).file.name == ""
    assert {path.name for path in stored_files(settings)} == {
        Path(ImportJob.objects.get(pk=pk).file.name).name for pk in (dead.pk, alive.pk)
    }


def test_running_an_interrupted_job_again_imports_the_file_from_the_start(
    staff_client, settings, django_capture_on_commit_callbacks
):
    job = running_job(staff_client, seconds_since_heartbeat=settings.IMPORT_JOB_LEASE_SECONDS + 1)
    ImportJob.objects.filter(pk=job.pk).update(created=1, bytes_read=50)
    sweep_import_jobs()
    url = reverse("admin:qa_tip_import_job_run_again", args=[job.pk])
    assert staff_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(url)
    assert response["Location"] == reverse("admin:qa_tip_import_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.interrupted, job.created, job.bytes_read, job.error) == ("queued", False, 0, 0, "")
    assert len(callbacks) == 1  # the task, queued once the request commits
    run_import_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created, job.run_number, job.file.name) == ("done", 3, 2, "")
    # A finished job does not run again.
    assert staff_client.post(url).status_code == 302
    assert ImportJob.objects.get(pk=job.pk).status == "done"


def test_a_worker_that_lost_its_job_stops_and_writes_nothing_more(staff_client, monkeypatch):
    """The sweep gave up on a slow worker (or the job was run again): when that
    worker next reports progress it stops, and the job stays as the sweep left it."""
    monkeypatch.setattr("qa.importing.IMPORT_BATCH_SIZE", 10)
    upload(staff_client, faq_csv(35))
    job = ImportJob.objects.get()
    heartbeat = import_jobs._heartbeat

    def sweep_meanwhile(job, **fields):
        ImportJob.objects.filter(pk=job.pk).update(status="failed", interrupted=True)
        heartbeat(job, **fields)

    monkeypatch.setattr(import_jobs, "_heartbeat", sweep_meanwhile)
    assert import_jobs.import_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.interrupted, job.created, job.can_run_again) == ("failed", True, 0, True)
    assert Tip.objects.count() == 10  # the batch that committed stays; no later batch ran
