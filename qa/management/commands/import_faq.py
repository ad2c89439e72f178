"""Import an existing FAQ (CSV) as published tips: see qa.importing."""

import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from qa.importing import ImportFileError, faq_import, faq_rows_iter


class Command(BaseCommand):
    # argparse needs real strings (a lazy one crashes `--help`): translate when
    # the parser is built, in the language active then, not at import time.
    @property
    def help(self):
        return _(
            "Import an FAQ from a CSV file with the columns question, answer, category and tags as published tips. "
            "Importing the same file again updates the tips."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Path of the CSV file (header row required)."))
        parser.add_argument(
            "--encoding",
            default="utf-8",
            help=_("Encoding of the file: utf-8 (default, with or without BOM) or cp932 for Excel in Japan."),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("Report what would happen and change nothing."))
        parser.add_argument(
            "--announce",
            action="store_true",
            help=_("Also post new tips to the social channels (by default they are only published)."),
        )

    def handle(self, *args, file, encoding, dry_run, announce, verbosity, **options):
        try:
            handle = open(file, "rb")  # noqa: SIM115 (closed below; read as a stream, never whole)
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}) from None
        # tqdm redraws one line with \r, so it writes to the raw stream, not
        # through Django's OutputWrapper (which would add a newline each time).
        # Progress is in bytes of the file: the number of rows is not known
        # until the end, and counting them first would read the file twice.
        progress = tqdm(
            total=os.fstat(handle.fileno()).st_size,
            unit="B",
            unit_scale=True,
            file=options.get("stderr") or sys.stderr,
            disable=verbosity == 0,
        )
        with handle, progress:
            try:
                report = faq_import(
                    rows=faq_rows_iter(stream=handle, encoding=encoding),
                    announce=announce,
                    dry_run=dry_run,
                    on_batch=lambda report: progress.update(handle.tell() - progress.n),
                )
            except ImportFileError as error:
                raise CommandError(f"{file}: {error}") from None

        for line, reason in report.failures:
            self.stderr.write(_("Line %(line)d: %(reason)s") % {"line": line, "reason": reason})
        if report.failed > len(report.failures):
            self.stderr.write(_("… and %(count)d more.") % {"count": report.failed - len(report.failures)})
        if verbosity > 0 or report.failed:
            style = self.style.WARNING if report.failed else self.style.SUCCESS
            self.stdout.write(style(report.summary(dry_run=dry_run)))
