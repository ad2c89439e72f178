"""What the metrics page shows: every section of metrics.sections.SECTIONS for
the chosen period, made ready for the generic templates (formatted figures,
drawn charts, formatted tables, the CSV export key of each table). A section
whose computation raises is logged and shown as a notice in its place."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from django.utils.module_loading import import_string
from django.utils.translation import gettext

from metrics import sections as section_registry
from metrics.charts import DrawnChart, chart_draw
from metrics.formatting import Change, figure_change, format_value
from metrics.periods import Period
from metrics.report import Figure, Section, Table

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShownFigure:
    figure: Figure
    value: str
    previous: str
    change: Change | None


@dataclass(frozen=True)
class ShownTable:
    table: Table
    # Each cell as (text, is_a_number): numbers align right.
    rows: list[list[tuple[str, bool]]]
    export_key: str


@dataclass(frozen=True)
class ShownChart:
    drawn: DrawnChart
    table: ShownTable


@dataclass(frozen=True)
class ShownSection:
    section: Section
    figures: list[ShownFigure]
    charts: list[ShownChart]
    tables: list[ShownTable]


def sections_build(period: Period, *, user) -> list[Section]:
    """Every section for `period`, in page order. Each runs a fixed number of queries."""
    return [_section_build(path, period, user=user) for path in section_registry.SECTIONS]


def _section_build(path: str, period: Period, *, user) -> Section:
    # One broken section (a bug, a statement timeout, a network's odd data) must not take
    # the page, the other sections' CSV or the weekly e-mail down with it. No savepoint:
    # the page and the e-mail run in autocommit (no ATOMIC_REQUESTS), where a failed
    # query ends its own transaction and the next section's queries run as usual.
    try:
        return import_string(path)(period, user=user)
    except Exception:
        logger.exception(
            "The metrics section %s could not be computed for %s to %s", path, period.first_day, period.last_day
        )
        return section_failed(path)


def section_failed_notice() -> str:
    return gettext("This section could not be computed. The error was logged.")


def section_failed(path: str) -> Section:
    """What stands in the place of the section at `path` when it raised: its
    name (its module's KEY and TITLE, when the module could be imported) and a notice."""
    module = sys.modules.get(path.rpartition(".")[0])
    return Section(
        key=getattr(module, "KEY", path),
        title=str(getattr(module, "TITLE", gettext("Unavailable section"))),
        notes=[section_failed_notice()],
        failed=True,
    )


def figure_show(figure: Figure) -> ShownFigure:
    return ShownFigure(
        figure=figure,
        value=format_value(figure.value, figure.unit),
        previous=format_value(figure.previous, figure.unit),
        change=figure_change(figure),
    )


def table_show(section: Section, table: Table) -> ShownTable:
    units = table.units or ["text"] * len(table.columns)
    rows = [
        [
            (str(cell) if unit == "text" else format_value(cell, unit), unit != "text")
            for cell, unit in zip(row, units, strict=False)
        ]
        for row in table.rows
    ]
    return ShownTable(table=table, rows=rows, export_key=f"{section.key}.{table.key}")


def section_show(section: Section) -> ShownSection:
    return ShownSection(
        section=section,
        figures=[figure_show(f) for f in section.figures],
        charts=[ShownChart(drawn=chart_draw(c), table=table_show(section, c.table())) for c in section.charts],
        tables=[table_show(section, t) for t in section.tables],
    )


def table_failed(sections: list[Section], export_key: str) -> bool:
    """Whether the table a CSV export names belongs to a section that could not be computed."""
    section_key = export_key.partition(".")[0]
    return any(section.failed and section.key == section_key for section in sections)


def table_find(sections: list[Section], export_key: str) -> Table | None:
    """The table a CSV export names ("<section key>.<table key>"), charts' tables included."""
    section_key, _dot, table_key = export_key.partition(".")
    for section in sections:
        if section.key == section_key:
            return next((t for t in section.exportable_tables() if t.key == table_key), None)
    return None
