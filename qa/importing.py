"""Reading an existing FAQ from a CSV file, and importing it as tips.

The file has a header row naming the columns question, answer, category and
tags (Japanese headers 質問, 回答, カテゴリ, タグ work too). Excel in Japan
saves CSV as Shift_JIS/CP932, so the encoding is a choice; UTF-8 may start
with a byte-order mark.

A row that cannot be imported is reported with its line number and skipped;
only a file that cannot be read at all stops the import (ImportFileError).
Each row goes through qa.services.tip_import_row.
"""

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qa import services

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
    failures: list[tuple[int, str]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

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


def faq_rows_read(*, data: bytes, encoding: str = "utf-8") -> list[FaqRow]:
    """Every data row of the CSV file in `data`; rows that cannot be imported
    carry an `error`. Blank rows are skipped."""
    codec = _codec_name(encoding)
    if codec in _SHIFT_JIS_FAMILY and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise ImportFileError(
                _("This file is UTF-8, not %(encoding)s: run the command without --encoding.") % {"encoding": encoding}
            )
    text = data.decode(codec, errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        if any(_UNDECODABLE.search(title) for title in header):
            raise ImportFileError(_("The header row is not valid %(encoding)s.") % {"encoding": encoding})
        positions = _column_positions(header)
        rows = []
        line = reader.line_num + 1
        for cells in reader:
            row = _row_from_cells(cells, positions, line=line, encoding=encoding)
            if row is not None:
                rows.append(row)
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(_("Line %(line)d: %(error)s") % {"line": reader.line_num, "error": error}) from None
    if rows and all(row.undecodable for row in rows):
        raise ImportFileError(
            _("No row of this file is valid %(encoding)s. Files saved by Excel in Japan usually need --encoding cp932.")
            % {"encoding": encoding}
        )
    return rows


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
    on_row: Callable[[FaqRow], None] | None = None,
) -> ImportReport:
    """Import `rows` as published tips in one transaction, each row in its own
    savepoint so that a bad row never undoes the good ones. A dry run rolls the
    transaction back: the report says what would have happened."""
    report = ImportReport()
    first_line_of = {}
    with transaction.atomic():
        for row in rows:
            _import_one(row, report=report, first_line_of=first_line_of, announce=announce)
            if on_row is not None:
                on_row(row)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_one(row: FaqRow, *, report: ImportReport, first_line_of: dict, announce: bool) -> None:
    if row.error:
        report.failures.append((row.line, row.error))
        return
    key = services.tip_import_key(question=row.question)
    if row.question and key in first_line_of:
        report.failures.append(
            (row.line, _("the same question is already on line %(line)d") % {"line": first_line_of[key]})
        )
        return
    try:
        with transaction.atomic():
            _tip, outcome = services.tip_import_row(
                question=row.question, answer=row.answer, category_name=row.category, tags=row.tags, announce=announce
            )
    except ValidationError as error:
        report.failures.append((row.line, " ".join(error.messages)))
        return
    first_line_of[key] = row.line
    setattr(report, outcome, getattr(report, outcome) + 1)
