"""Reading an existing FAQ from a CSV file, and importing it as tips.

The file has a header row naming the columns question, answer, category and
tags (Japanese headers 質問, 回答, カテゴリ, タグ work too). Excel in Japan
saves CSV as Shift_JIS/CP932, so the encoding is a choice; UTF-8 may start
with a byte-order mark.

A row that cannot be imported is reported with its line number and skipped;
only a file that cannot be read at all stops the import (ImportFileError).

The file is read as a stream, row by row, never whole: memory stays bounded
on a 50 MB file. Rows are imported in batches of IMPORT_BATCH_SIZE, one
transaction each, through qa.import_batches (a fixed number of queries per
batch). The command (`import_faq`) and the admin's background job
(qa.import_jobs) both run faq_import.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import BinaryIO

from django.db import transaction
from django.utils.translation import gettext as _

from qa import services
from qa.import_batches import BatchLookups, BatchRow, tip_import_batch

COLUMN_NAMES = {
    "question": {"question", "質問"},
    "answer": {"answer", "回答", "答え"},
    "category": {"category", "カテゴリ", "カテゴリー"},
    "tags": {"tags", "tag", "タグ"},
}
REQUIRED_COLUMNS = ("question", "answer")
# Commas, the Japanese comma 、, slashes and semicolons, in half and full width.
TAG_SEPARATORS = re.compile(r"[,、/;，／；]")
# surrogateescape turns each byte the codec cannot decode into one of these.
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_SHIFT_JIS_FAMILY = {"cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213", "euc_jp"}
# Rows per transaction: big enough that the per-batch queries are noise, small
# enough that a batch's tips fit in memory many times over.
IMPORT_BATCH_SIZE = 500
# A file of bad rows still gets a report of bounded size: the first failures
# are listed, the rest counted.
MAX_LISTED_FAILURES = 1000
# How much of the file is looked at to tell UTF-8 from Shift_JIS.
_SNIFF_BYTES = 64 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be imported (encoding, header, CSV syntax)."""


@dataclass
class FaqRow:
    line: int
    question: str = ""
    answer: str = ""
    category: str = ""
    tags: list[str] = field(default_factory=list)
    error: str = ""
    undecodable: bool = False


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)  # the first MAX_LISTED_FAILURES

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed

    def fail(self, line: int, reason: str) -> None:
        self.failed += 1
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append((line, reason))

    def summary(self, *, dry_run: bool) -> str:
        """One line for staff, the same from the command and the admin page."""
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "failed": self.failed}
        if dry_run:
            return (
                _(
                    "Dry run, nothing was saved: %(created)d would be created, %(updated)d updated, "
                    "%(unchanged)d unchanged, %(failed)d failed."
                )
                % counts
            )
        return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(failed)d failed.") % counts


def tags_split(cell: str) -> list[str]:
    return [tag.strip() for tag in TAG_SEPARATORS.split(cell or "") if tag.strip()]


def _codec_name(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ImportFileError(_("Unknown encoding %(encoding)r.") % {"encoding": encoding}) from None
    # utf-8-sig reads UTF-8 with or without a byte-order mark.
    return "utf-8-sig" if name == "utf-8" else name


def _column_positions(header: list[str]) -> dict[str, int]:
    positions = {}
    for index, title in enumerate(header):
        title = title.strip().lstrip("\ufeff").casefold()
        for column, names in COLUMN_NAMES.items():
            if title in names and column not in positions:
                positions[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        raise ImportFileError(
            _("The header row must name the columns %(required)s; missing: %(missing)s. Found: %(found)s.")
            % {
                "required": ", ".join(REQUIRED_COLUMNS),
                "missing": ", ".join(missing),
                "found": ", ".join(repr(title) for title in header) or _("nothing"),
            }
        )
    return positions


def faq_rows_iter(*, stream: BinaryIO, encoding: str = "utf-8") -> Iterator[FaqRow]:
    """Every data row of the CSV file open in `stream` (binary, seekable), read
    incrementally; rows that cannot be imported carry an `error`. Blank rows
    are skipped. Raises ImportFileError when the file as a whole is wrong,
    before the first row when it can tell (header, encoding)."""
    codec = _codec_name(encoding)
    if codec in _SHIFT_JIS_FAMILY:
        head = stream.read(_SNIFF_BYTES)
        stream.seek(0)
        if not head.isascii():
            try:
                # final=False: a character cut at the end of the sample is not an error.
                codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            except UnicodeDecodeError:
                pass
            else:
                raise ImportFileError(
                    _("This file is UTF-8, not %(encoding)s: run the command without --encoding.")
                    % {"encoding": encoding}
                )
    text = io.TextIOWrapper(stream, encoding=codec, errors="surrogateescape", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        if any(_UNDECODABLE.search(title) for title in header):
            raise ImportFileError(_("The header row is not valid %(encoding)s.") % {"encoding": encoding})
        positions = _column_positions(header)
        any_row = any_decodable = False
        line = reader.line_num + 1
        for cells in reader:
            row = _row_from_cells(cells, positions, line=line, encoding=encoding)
            if row is not None:
                any_row = True
                any_decodable = any_decodable or not row.undecodable
                yield row
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(_("Line %(line)d: %(error)s") % {"line": reader.line_num, "error": error}) from None
    finally:
        # Leave `stream` open for its owner; an import that stopped early may
        # drop this generator only after the owner has closed the stream.
        if not text.closed:
            text.detach()
    if any_row and not any_decodable:
        raise ImportFileError(
            _("No row of this file is valid %(encoding)s. Files saved by Excel in Japan usually need --encoding cp932.")
            % {"encoding": encoding}
        )


def _row_from_cells(cells: list[str], positions: dict[str, int], *, line: int, encoding: str) -> FaqRow | None:
    if not any(cell.strip() for cell in cells):
        return None

    def cell(column: str) -> str:
        index = positions.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    if any(_UNDECODABLE.search(value) for value in cells):
        message = _("this row is not valid %(encoding)s (is the file in another encoding?)") % {"encoding": encoding}
        return FaqRow(line=line, error=message, undecodable=True)
    return FaqRow(
        line=line,
        question=cell("question").strip(),
        answer=cell("answer").strip(),
        category=cell("category").strip(),
        tags=tags_split(cell("tags")),
    )


def faq_import(
    *,
    rows: Iterable[FaqRow],
    announce: bool = False,
    dry_run: bool = False,
    on_batch: Callable[[ImportReport], None] | None = None,
    batch_size: int | None = None,
) -> ImportReport:
    """Import `rows` as published tips, one transaction per batch: a bad row
    is reported and skipped and never undoes the good ones; a batch that
    committed stays if a later one fails. A dry run writes nothing: the report
    says what would have happened. `on_batch` hears about progress."""
    report = ImportReport()
    first_line_of: dict[str, int] = {}
    lookups = BatchLookups.empty()
    rows = iter(rows)
    while batch := list(islice(rows, batch_size or IMPORT_BATCH_SIZE)):
        to_import = []
        for row in batch:
            if row.error:
                report.fail(row.line, row.error)
                continue
            key = services.tip_import_key(question=row.question) if row.question else None
            if key is not None and key in first_line_of:
                report.fail(row.line, _("the same question is already on line %(line)d") % {"line": first_line_of[key]})
                continue
            if key is not None:
                first_line_of[key] = row.line
            to_import.append(BatchRow(row.line, row.question, row.answer, row.category, row.tags))
        with transaction.atomic():
            outcomes = tip_import_batch(rows=to_import, announce=announce, dry_run=dry_run, lookups=lookups)
            if dry_run:
                transaction.set_rollback(True)
        for row, outcome in zip(to_import, outcomes, strict=True):
            if outcome in ("created", "updated", "unchanged"):
                setattr(report, outcome, getattr(report, outcome) + 1)
            else:
                report.fail(row.line, outcome)
        if on_batch is not None:
            on_batch(report)
    return report
