"""Services for FAQ imports started from the admin: a job row, a file kept
privately, and a Celery task that runs the import in the background while
staff watch its page (qa.admin.imports).

The import itself is qa.importing.faq_import, the code `manage.py import_faq`
runs. One difference on purpose: a file with any line that is not valid in
the chosen encoding imports nothing here, because staff uploading through a
browser cannot easily see which rows were skipped and why, and a half-imported
FAQ is harder to clean up than a file to re-save. The file is read once to
check that (a stream, no database), then again to import.
"""

import logging
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qa.importing import ImportFileError, ImportReport, faq_import, faq_rows_iter
from qa.models import ImportJob

logger = logging.getLogger(__name__)
ENCODING_LABELS = {"utf-8": "UTF-8", "cp932": "Shift_JIS / CP932"}
# Lines listed in the message about a file in the wrong encoding.
MAX_LISTED_UNDECODABLE_LINES = 20


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


def _undecodable_lines(job: ImportJob) -> list[int]:
    with job.file.open("rb") as handle:
        return [row.line for row in faq_rows_iter(stream=handle, encoding=job.encoding) if row.undecodable]


def _save_progress(job: ImportJob, report: ImportReport, *, bytes_read: int, **extra) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        bytes_read=bytes_read,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        failed=report.failed,
        failures=report.failures,
        **extra,
    )


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job. Safe to run twice: only the run that moves it from
    queued to running does anything."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
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
        _save_progress(job, report, bytes_read=job.file_size, status=ImportJob.Status.DONE, finished_at=timezone.now())
    except ImportFileError as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
    except Exception:
        logger.exception("FAQ import job %s stopped", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED,
            error=_("The import stopped because of an unexpected error; the rows before it were imported."),
            finished_at=timezone.now(),
        )
        raise
    job.refresh_from_db()
    return job
