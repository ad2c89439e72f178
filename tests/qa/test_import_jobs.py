"""The admin's FAQ import as a background job (qa.import_jobs, qa.tasks), and
the import's cost: streaming reads and a fixed number of queries per batch.
The rows' own rules (encodings, bad rows, re-imports) are in test_import_faq
and tests/security/test_bad_input_admin."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qa import import_jobs, selectors
from qa.importing import faq_import, faq_rows_iter
from qa.models import ImportJob, RelatedTip, Tip
from qa.tasks import publish_related_tips, run_import_job


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

    def spy(job, report, *, bytes_read, **extra):
        save(job, report, bytes_read=bytes_read, **extra)
        seen.append(ImportJob.objects.values_list("status", "created", "bytes_read").get(pk=job.pk))

    monkeypatch.setattr(import_jobs, "_save_progress", spy)
    run_import_job(job.pk)
    assert [created for _status, created, _bytes in seen] == [10, 20, 30, 35, 35]
    assert [status for status, _created, _bytes in seen] == ["running"] * 4 + ["done"]
    read = [bytes_read for _status, _created, bytes_read in seen]
    assert read == sorted(read) and read[-1] == job.file_size


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
    """What tip_create does for one tip (enqueue its share image), the batch does for all."""
    drawn = []
    monkeypatch.setattr("qa.tasks.generate_share_image.delay", drawn.append)
    with django_capture_on_commit_callbacks(execute=True):
        faq_import(rows=faq_rows_iter(stream=io.BytesIO(faq_csv(3))))
    assert sorted(drawn) == sorted(Tip.objects.values_list("pk", flat=True))


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
    related = selectors.tip_related(tip=tip, limit=5)
    assert related and tip not in related
    assert set(related[0].tags.names()) & set(tip.tags.names())
