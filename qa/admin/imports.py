"""Import FAQ from CSV: the `manage.py import_faq` command as an admin page.

The upload becomes an ImportJob run by a Celery worker (qa.import_jobs), the
same import code the command runs; staff are sent to the job's page, which
refreshes itself (a meta refresh: the CSP allows no inline script) until the
job has finished, then shows the report. An interrupted job (its worker died)
can be run again from its page.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldAdminSelectWidget, UnfoldBooleanWidget

from qa import import_jobs
from qa.admin.tips import TipAdmin
from qa.importing import ImportFileError, ImportReport, faq_rows_iter
from qa.models import ImportJob

# An FAQ of tens of thousands of entries is well under this; the import reads
# the file as a stream in a worker, so the limit is about disk, not memory.
MAX_CSV_BYTES = 50 * 1024 * 1024
RECENT_JOBS = 10
# Seconds between two refreshes of a running job's page.
JOB_PAGE_REFRESH_SECONDS = 2
ENCODINGS = [
    ("utf-8", _("UTF-8 (with or without a byte-order mark)")),
    ("cp932", _("Shift_JIS / CP932 (CSV saved by Excel in Japan)")),
]


class FaqImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "A header row naming the columns question, answer, category and tags "
            "(or 質問, 回答, カテゴリ, タグ), then one tip per row. Importing the same file again updates the tips."
        ),
        widget=UnfoldAdminFileFieldWidget(attrs={"accept": ".csv,text/csv"}),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=ENCODINGS, initial="utf-8", widget=UnfoldAdminSelectWidget
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file and show what would happen, save nothing"),
        required=False,
        initial=True,
        widget=UnfoldBooleanWidget,
    )
    announce = forms.BooleanField(
        label=_("Also post the new tips to the social channels (spread out by the drip schedule)"),
        required=False,
        widget=UnfoldBooleanWidget,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)d MB); the limit is %(limit)d MB."),
                params={"size": upload.size // (1024 * 1024), "limit": MAX_CSV_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload

    def clean(self):
        """Refuse at once what the header row already shows (missing columns,
        an empty file, UTF-8 read as Shift_JIS); the rows are the job's."""
        cleaned = super().clean()
        upload, encoding = cleaned.get("file"), cleaned.get("encoding")
        if upload is not None and encoding:
            try:
                next(faq_rows_iter(stream=upload, encoding=encoding), None)
            except ImportFileError as error:
                self.add_error("file", str(error))
            upload.seek(0)
        return cleaned


def faq_import_view(model_admin, request):
    # Importing creates and publishes tips: the same permission as adding one.
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = FaqImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_jobs.import_job_create(
            upload=form.cleaned_data["file"],
            encoding=form.cleaned_data["encoding"],
            dry_run=form.cleaned_data["dry_run"],
            announce=form.cleaned_data["announce"],
            started_by=request.user,
        )
        return redirect("admin:qa_tip_import_job", job_id=job.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Import FAQ from CSV"),
        "form": form,
        "recent_jobs": ImportJob.objects.select_related("started_by")[:RECENT_JOBS],
    }
    return TemplateResponse(request, "admin/qa/import_faq.html", context)


def faq_import_job_view(model_admin, request, job_id):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    job = get_object_or_404(ImportJob.objects.select_related("started_by"), pk=job_id)
    # Without a beat process nothing else would notice that the job's worker died.
    job = import_jobs.import_job_fail_if_stale(job=job)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("FAQ import: %(file)s") % {"file": job.file_name},
        "job": job,
        "refresh_seconds": None if job.is_finished else JOB_PAGE_REFRESH_SECONDS,
        "listed_all_failures": len(job.failures) >= job.failed,
        "summary": ImportReport(
            created=job.created, updated=job.updated, unchanged=job.unchanged, failed=job.failed
        ).summary(dry_run=job.dry_run)
        if job.status == ImportJob.Status.DONE
        else "",
    }
    return TemplateResponse(request, "admin/qa/import_job.html", context)


def faq_import_job_run_again_view(model_admin, request, job_id):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    job = get_object_or_404(ImportJob, pk=job_id)
    if import_jobs.import_job_run_again(job=job):
        model_admin.message_user(request, gettext("The import was queued again."))
    else:
        model_admin.message_user(request, gettext("This import cannot run again."), level="warning")
    return redirect("admin:qa_tip_import_job", job_id=job.pk)


class TipImportAdmin(TipAdmin):
    """TipAdmin plus the import page (linked from the tip list, see
    templates/admin/qa/tip/change_list.html)."""

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: faq_import_view(self, request))
        job_view = self.admin_site.admin_view(lambda request, job_id: faq_import_job_view(self, request, job_id))
        run_again_view = self.admin_site.admin_view(
            require_POST(lambda request, job_id: faq_import_job_run_again_view(self, request, job_id))
        )
        return [
            path("import/", view, name="qa_tip_import"),
            path("import/<int:job_id>/", job_view, name="qa_tip_import_job"),
            path("import/<int:job_id>/run-again/", run_again_view, name="qa_tip_import_job_run_again"),
            *super().get_urls(),
        ]
