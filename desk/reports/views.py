"""/reports: the central team's figures as charts with their tables, each table also as CSV.
The period is whole months (?from=2026-01&to=2026-11); by default the last twelve."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from desk.accounts.access import staff_page
from desk.extensions import db
from desk.reports import charts, figures, loop, store
from desk.reports import map as drawn
from desk.routing.calendar import BRUSSELS
from desk.timeutil import utcnow
from desk.web import private

bp = Blueprint("reports", __name__, url_prefix="/reports")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(value: str | None) -> date | None:
    match = _MONTH.match((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) < 2100:
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def period() -> figures.Period:
    """From the query string; what is missing or odd falls back to the last twelve months,
    and a period longer than five years is cut to five."""
    today = utcnow().astimezone(BRUSSELS).date()
    last = _month(request.args.get("to")) or date(today.year, today.month, 1)
    first = _month(request.args.get("from")) or date(last.year - 1, last.month, 1)
    if first > last:
        first, last = last, first
    if (last.year - first.year) * 12 + last.month - first.month > 60:
        first = date(last.year - 5, last.month, 1)
    return figures.Period(first, figures.next_month(last))


def _unmet_map(table: figures.Table) -> Any:
    """Unmet need summed over the themes, per municipality, on the map."""
    counts: dict[str, int] = {}
    names: dict[str, str] = {}
    for row in table.rows:
        nis = row[-1]
        counts[nis] = counts.get(nis, 0) + row[-2]
        names[nis] = row[0]
    return drawn.circles(table.title, table.name, counts, names, str(_("Vragen")))


def month_label(month: str) -> str:
    """"2025-12" as the reader says it, "dec 2025" (not "25-12", which reads as a day)."""
    from datetime import date

    from babel.dates import format_skeleton
    from flask_babel import get_locale

    year, number = (int(part) for part in month.split("-"))
    return format_skeleton("yMMM", date(year, number, 1), locale=f"{get_locale()}_BE")


def _chart(table: figures.Table) -> dict[str, Any]:
    months = [month_label(row[0]) for row in table.rows] if table.chart in (
        "stacked", "lines") else []
    if table.chart == "none":
        return {"table": table, "svg": None, "legend": []}
    if table.chart == "map":
        return {"table": table, "svg": _unmet_map(table), "legend": []}
    if table.chart == "stacked":
        svg, legend = charts.stacked(table.title, table.name, months, table.columns[1:-1],
                                     [row[1:-1] for row in table.rows])
    elif table.chart == "lines":
        measures = table.columns[1:1 + table.measures]
        svg, legend = charts.grouped(table.title, table.name, months, measures,
                                     [row[1:1 + len(measures)] for row in table.rows])
    else:
        svg, legend = charts.bars(table.title, table.name,
                                  [f"{row[0]} ({row[1]})" for row in table.rows],
                                  [row[2] for row in table.rows]), []
    return {"table": table, "svg": svg, "legend": legend}


@bp.get("")
@staff_page(admin=True)
def index():
    chosen = period()
    found = store.snapshot(chosen, str(get_locale()))
    db.session.commit()  # the snapshot it computed, or the worker it asked
    shown = []
    for table in found.tables:
        chart = _chart(table)
        if table.name == "unmet" and len(table.rows) > loop.UNMET_LIMIT:  # the CSV has them all
            chart["table"] = replace(table, rows=table.rows[:loop.UNMET_LIMIT])
            chart["cut"] = len(table.rows)
        shown.append(chart)
    return private(render_template(
        "reports/index.html", period=chosen, last=chosen.months()[-1], charts=shown,
        computed_at=found.computed_at, computing=found.computing))


@bp.get("/<name>.csv")
@staff_page(admin=True)
def download(name: str):
    if name not in store.NAMES:
        abort(404)
    chosen = period()
    found = store.snapshot(chosen, str(get_locale()))
    db.session.commit()
    table = next((t for t in found.tables if t.name == name), None)
    if table is None:  # a worker is computing this period's figures for the first time
        return private(Response(_("De cijfers van deze periode worden berekend; probeer het "
                                  "over een minuut opnieuw."), 503, {"Retry-After": "60"},
                                mimetype="text/plain"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        # A cell starting with = + - @ would be a formula in a spreadsheet: quote it as text.
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in "=+-@\t\r" else
                         ("" if c is None else c) for c in row])
    filename = f"burgersaanzet-{name}-{chosen.months()[0]}-{chosen.months()[-1]}.csv"
    return private(Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'}))
