"""CSV of one metrics table: UTF-8 with a byte-order mark (Excel in Japan opens
it as UTF-8 only with one), values raw (seconds as numbers, percent 0-100, an
empty cell for no data), the period in the file name."""

import csv
import io

from metrics.periods import Period
from metrics.report import Table


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def table_csv_filename(export_key: str, period: Period) -> str:
    safe_key = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in export_key.replace(".", "-"))
    return f"tipcast-{safe_key}-{period.first_day.isoformat()}-{period.last_day.isoformat()}.csv"
