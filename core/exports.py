"""CSV and XLSX exports, safe against spreadsheet formula injection: every file that leaves the portal
as a spreadsheet (staff exports, the ministry's dashboard CSV) goes through this module.

A cell whose text begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheet programs strip before evaluating) is read as a formula by Excel and LibreOffice. We
prefix such text with an apostrophe so it is shown as text, never evaluated.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_neutralise(value):
    """The value as it may safely go into a spreadsheet cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _csv_cell(value) -> str:
    value = cell_neutralise(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


def rows_to_csv(rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with BOM and semicolons: what Dutch Excel opens correctly by double-click. Every cell
    is neutralised, so no text ever becomes a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return rows_to_csv([headers, *rows])


def table_to_xlsx(headers: Sequence[str], rows: Iterable[Sequence], *, sheet_title: str) -> bytes:
    from openpyxl import Workbook  # loaded only when an XLSX is asked for
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    # Sheet titles: max 31 characters, none of []:*?/\
    sheet.title = "".join(c for c in str(sheet_title) if c not in "[]:*?/\\")[:31] or "Export"
    sheet.append([cell_neutralise(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = [cell_neutralise(v) for v in row]
        sheet.append(values)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            # Text never becomes a formula, even if a later openpyxl guesses differently.
            if isinstance(cell.value, str):
                cell.data_type = "s"
            elif isinstance(cell.value, datetime.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 60)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def export_filename(*parts: str, extension: str) -> str:
    """ASCII-only, no path separators or quotes: e.g. ``waterstof-japan-registraties-2026-05-01.xlsx``."""
    stem = "-".join(slugify(str(p)) for p in parts if slugify(str(p)))[:120] or "export"
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


def export_response(
    *, headers: Sequence[str], rows: Iterable[Sequence], fmt: str, filename_parts: Sequence[str], sheet_title: str
) -> HttpResponse:
    if fmt == "xlsx":
        content, mimetype = table_to_xlsx(headers, rows, sheet_title=sheet_title), XLSX_MIMETYPE
    else:
        content, mimetype = table_to_csv(headers, rows), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=mimetype)
    response["Content-Disposition"] = content_disposition_header(True, export_filename(*filename_parts, extension=fmt))
    response["Cache-Control"] = "no-store"
    return response
