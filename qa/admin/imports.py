"""Import FAQ from CSV: the `manage.py import_faq` command as an admin page.

The reading and importing are qa.importing's (faq_rows_read, faq_import), the
same code the command runs; this page only takes the upload and shows the
report. One difference on purpose: a file with any line that is not valid in
the chosen encoding imports nothing here, because staff uploading through a
browser cannot easily see which rows were skipped and why, and a half-imported
FAQ is harder to clean up than a file to re-save.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from qa.admin.tips import TipAdmin
from qa.importing import ImportFileError, faq_import, faq_rows_read

# An FAQ of a few thousand entries is well under this; anything bigger is a
# wrong file, and reading it would only hold a worker.
MAX_CSV_BYTES = 5 * 1024 * 1024
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
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, initial="utf-8")
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file and show what would happen, save nothing"), required=False, initial=True
    )
    announce = forms.BooleanField(
        label=_("Also post the new tips to the social channels (spread out by the drip schedule)"), required=False
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

    def read_rows(self):
        """The file's rows (qa.importing.faq_rows_read), or None with the
        reason added to the form when the file cannot be imported."""
        data = self.cleaned_data["file"].read()
        encoding = self.cleaned_data["encoding"]
        try:
            rows = faq_rows_read(data=data, encoding=encoding)
        except ImportFileError as error:
            self.add_error("file", str(error))
            return None
        undecodable = [row.line for row in rows if row.undecodable]
        if undecodable:
            self.add_error(
                "file",
                ngettext(
                    "Line %(lines)s is not valid %(encoding)s. Nothing was imported: check the encoding above, "
                    "or save the file again as UTF-8.",
                    "Lines %(lines)s are not valid %(encoding)s. Nothing was imported: check the encoding above, "
                    "or save the file again as UTF-8.",
                    len(undecodable),
                )
                % {"lines": ", ".join(str(line) for line in undecodable), "encoding": dict(ENCODINGS)[encoding]},
            )
            return None
        return rows


def faq_import_view(model_admin, request):
    # Importing creates and publishes tips: the same permission as adding one.
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    report = None
    form = FaqImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        rows = form.read_rows()
        if rows is not None:
            dry_run = form.cleaned_data["dry_run"]
            report = faq_import(rows=rows, announce=form.cleaned_data["announce"], dry_run=dry_run)
            level = messages.WARNING if report.failed else messages.SUCCESS
            model_admin.message_user(request, report.summary(dry_run=dry_run), level)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Import FAQ from CSV"),
        "form": form,
        "report": report,
        "dry_run": bool(form.is_bound and form.is_valid() and form.cleaned_data["dry_run"]),
    }
    return TemplateResponse(request, "admin/qa/import_faq.html", context)


class TipImportAdmin(TipAdmin):
    """TipAdmin plus the import page (linked from the tip list, see
    templates/admin/qa/tip/change_list.html)."""

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: faq_import_view(self, request))
        return [path("import/", view, name="qa_tip_import"), *super().get_urls()]
