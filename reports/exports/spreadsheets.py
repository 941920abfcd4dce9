"""CSV and XLSX of the report's tables (reports.tables), numbers kept as numbers."""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from training.spreadsheets import spreadsheet_text

from ..tables import MONEY, RATE, TEXT, Table, report_tables, row_kinds


def _cell(value, kind: str):
    """Money strings become numbers; markers such as "<5" stay text; None is empty; text
    (names of organisations and courses) cannot run as a formula."""
    if value is None:
        return ""
    if kind == MONEY and isinstance(value, str) and value[:1].isdigit():
        return Decimal(value)
    if isinstance(value, str):
        return spreadsheet_text(value)
    return value


def _rows(table: Table):
    yield [spreadsheet_text(column.label) for column in table.columns]
    for index, row in enumerate(table.rows):
        yield [
            _cell(value, kind) for value, kind in zip(row, row_kinds(table, index), strict=True)
        ]
    for row in table.footer:
        yield [_cell(value, TEXT) for value in row]


def _heading(report: dict) -> list[str]:
    period = report["period"]
    published = " (for publication: counts under 5 hidden)" if report["published"] else ""
    return [f"Coursebook report, sessions from {period['from']} to {period['to']}{published}"]


def report_csv(report: dict) -> str:
    """Every table one after another, each under its title, separated by a blank line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_heading(report))
    writer.writerow([f"Made {report['made_at']}. Rates are fractions from 0 to 1."])
    for table in report_tables(report):
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerows(_rows(table))
    return out.getvalue()


def report_xlsx(report: dict) -> bytes:
    """One sheet a table, the title and description above it."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in report_tables(report):
        sheet = workbook.create_sheet(title=table.title[:31].replace(":", ""))
        sheet.append(_heading(report))
        sheet.append([table.title])
        sheet["A2"].font = Font(bold=True, size=13)
        sheet.append([table.description])
        sheet.append([])
        for number, row in enumerate(_rows(table)):
            sheet.append(row)
            if number == 0:
                for cell in sheet[sheet.max_row]:
                    cell.font = bold
        for index, column in enumerate(table.columns):
            if column.kind == RATE:
                for cells in sheet.iter_rows(min_row=6, min_col=index + 1, max_col=index + 1):
                    for cell in cells:
                        if isinstance(cell.value, float):
                            cell.number_format = "0.0%"
        sheet.column_dimensions["A"].width = 40
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
