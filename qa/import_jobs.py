"""Services for FAQ imports started from the admin: a job row, a file kept
privately, and a Celery task that runs the import in the background while
staff watch its page (qa.admin.imports).

The import itself is qa.importing.faq_import, the code `manage.py import_faq`
runs. One difference on purpose: a file with any line that is not valid in
the chosen encoding imports nothing here, because staff uploading through a
browser cannot easily see which rows were skipped and why, and a half-imported
FAQ is harder to clean up than a file to re-save. The file is read once to
check that (a stream, no database), then again to import.

A worker can die in the middle of a job (killed, out of memory, the machine
restarted), and nothing would then end it. So the worker renews the job's
heartbeat as it goes, and a running job whose heartbeat is older than
IMPORT_JOB_LEASE_SECONDS is marked failed and "interrupted": by the beat
sweep (qa.sweep_import_jobs) and whenever its page is viewed. Its file is
kept so that staff can run it again; the import is keyed by question, so the
rows that made it before are found unchanged.

The uploaded file is deleted once the job has finished (done, or refused as
a whole); only an interrupted job keeps it.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qa.importing import ImportFileError, ImportReport, faq_import, faq_rows_iter
from qa.models import ImportJob

logger = logging.getLogger(__name__)
ENCODING_LABELS = {"utf-8": "UTF-8", "cp932": "Shift_JIS / CP932"}
# Lines listed in the message about a file in the wrong encoding.
MAX_LISTED_UNDECODABLE_LINES = 20
# While the file is checked for its encoding (no batches yet), the heartbeat is renewed every this many rows.
CHECK_HEARTBEAT_ROWS = 10_000
# Finished jobs whose file one sweep deletes at most (jobs from before files were deleted).
SWEEP_FILE_DELETIONS = 100


class ImportJobLostError(Exception):
    """This run no longer holds the job (it was found stale and marked failed,
    maybe run again since): the worker stops without writing anything more."""


def import_job_create(*, upload, encoding: str, dry_run: bool, announce: bool, started_by) -> ImportJob:
    """Store the uploaded file privately and queue the import (after commit)."""
    from qa.tasks import run_import_job

    job = ImportJob(
        file_name=upload.name[:255],
        file_size=upload.size,
        encoding=encoding,
        dry_run=dry_run,
        announce=announce,
        started_by=started_by,
    )
    # A name of our own on disk: the uploader's file name is only shown.
    job.file.save(f"{uuid.uuid4().hex}.csv", upload, save=False)
    job.save()
    transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return job


def _current_run(job: ImportJob):
    """The job's row, as long as this worker's run still holds it."""
    return ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING, run_number=job.run_number)


def _heartbeat(job: ImportJob, **fields) -> None:
    if not _current_run(job).update(heartbeat_at=timezone.now(), **fields):
        raise ImportJobLostError(job.pk)


def _undecodable_lines(job: ImportJob) -> list[int]:
    lines = []
    with job.file.open("rb") as handle:
        for count, row in enumerate(faq_rows_iter(stream=handle, encoding=job.encoding), start=1):
            if row.undecodable:
                lines.append(row.line)
            if count % CHECK_HEARTBEAT_ROWS == 0:
                _heartbeat(job)
    return lines


def _save_progress(job: ImportJob, report: ImportReport, *, bytes_read: int) -> None:
    _heartbeat(
        job,
        bytes_read=bytes_read,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        failed=report.failed,
        failures=report.failures,
    )


def _finish(job: ImportJob, **fields) -> None:
    """End this run of the job and delete its file (the report has what staff need)."""
    if not _current_run(job).update(finished_at=timezone.now(), file="", **fields):
        raise ImportJobLostError(job.pk)
    job.file.delete(save=False)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job. Safe to run twice: only the run that moves it from
    queued to running does anything."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now, heartbeat_at=now, run_number=F("run_number") + 1
    )
    if not claimed:
        return None
    job = ImportJob.objects.get(pk=job_id)
    try:
        undecodable = _undecodable_lines(job)
        if undecodable:
            shown = ", ".join(str(line) for line in undecodable[:MAX_LISTED_UNDECODABLE_LINES])
            if len(undecodable) > MAX_LISTED_UNDECODABLE_LINES:
                shown += ", …"
            raise ImportFileError(
                ngettext(
                    "Line %(lines)s is not valid %(encoding)s. Nothing was imported: check the encoding, "
                    "or save the file again as UTF-8.",
                    "Lines %(lines)s are not valid %(encoding)s. Nothing was imported: check the encoding, "
                    "or save the file again as UTF-8.",
                    len(undecodable),
                )
                % {"lines": shown, "encoding": ENCODING_LABELS.get(job.encoding, job.encoding)}
            )
        with job.file.open("rb") as handle:
            report = faq_import(
                rows=faq_rows_iter(stream=handle, encoding=job.encoding),
                announce=job.announce,
                dry_run=job.dry_run,
                on_batch=lambda report: _save_progress(job, report, bytes_read=handle.tell()),
            )
        _save_progress(job, report, bytes_read=job.file_size)
        _finish(job, status=ImportJob.Status.DONE)
    except ImportFileError as error:
        try:
            _finish(job, status=ImportJob.Status.FAILED, error=str(error))
        except ImportJobLostError:
            return None
    except ImportJobLostError:
        logger.warning("FAQ import job %s was taken from this worker (no heartbeat for too long); stopped", job.pk)
        return None
    except Exception:
        logger.exception("FAQ import job %s stopped", job.pk)
        # The file stays: the error may pass (a lost database connection), and staff can run the job again.
        _current_run(job).update(
            status=ImportJob.Status.FAILED,
            interrupted=True,
            error=_("The import stopped because of an unexpected error; the rows before it were imported."),
            finished_at=timezone.now(),
        )
        raise
    job.refresh_from_db()
    return job


def _stale_running_jobs():
    cutoff = timezone.now() - timedelta(seconds=settings.IMPORT_JOB_LEASE_SECONDS)
    return ImportJob.objects.filter(status=ImportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )


def _mark_interrupted(jobs) -> int:
    """Running jobs whose worker is gone become failed and interrupted; the page
    explains it (in the reader's language) and offers to run them again."""
    return jobs.update(status=ImportJob.Status.FAILED, interrupted=True, error="", finished_at=timezone.now())


def import_job_fail_if_stale(*, job: ImportJob) -> ImportJob:
    """Check one job (its page is being viewed) and return it as it now stands."""
    if job.status == ImportJob.Status.RUNNING and _mark_interrupted(_stale_running_jobs().filter(pk=job.pk)):
        job.refresh_from_db()
    return job


def import_jobs_sweep() -> tuple[int, int]:
    """Mark every running job whose worker is gone as failed, and delete the
    files that finished jobs still hold (jobs from before files were deleted).
    Returns (jobs marked failed, files deleted)."""
    failed = _mark_interrupted(_stale_running_jobs())
    deleted = 0
    finished = ImportJob.objects.filter(status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED], interrupted=False)
    for job in finished.exclude(file="")[:SWEEP_FILE_DELETIONS]:
        if ImportJob.objects.filter(pk=job.pk, file=job.file.name).update(file=""):
            job.file.delete(save=False)
            deleted += 1
    return failed, deleted


def import_job_run_again(*, job: ImportJob) -> bool:
    """Queue an interrupted job again, from the start of its file (rows already
    imported come out unchanged). False if it cannot run again."""
    from qa.tasks import run_import_job

    if not job.can_run_again:
        return False
    requeued = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED, interrupted=True).update(
        status=ImportJob.Status.QUEUED,
        interrupted=False,
        error="",
        bytes_read=0,
        created=0,
        updated=0,
        unchanged=0,
        failed=0,
        failures=[],
        started_at=None,
        finished_at=None,
        heartbeat_at=None,
    )
    if requeued:
        transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return bool(requeued)
