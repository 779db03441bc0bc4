"""Charts drawn on the server as SVG: they show without JavaScript, print, and carry a title
for screen readers (the numbers are in the table beside each chart)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

# Distinguishable colours (Okabe–Ito first), enough for 13 themes and a few partners more.
COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442",
           "#000000", "#7f7f7f", "#8c564b", "#9467bd", "#17becf", "#bcbd22", "#393b79",
           "#637939", "#843c39"]
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 260, 48, 40, 10


def _frame(title: str, chart_id: str, body: list[str], height: int = HEIGHT, *,
           width: int = WIDTH, kind: str = "") -> Markup:
    return Markup(
        f'<svg class="chart{" " + kind if kind else ""}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{chart_id}{kind}-title" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}{kind}-title">{escape(title)}</title>{"".join(body)}</svg>')


# On a phone the months run down instead of across (the stylesheet shows one or the other):
# a 720-wide chart shrunk to 360 pixels has letters too small to read.
NARROW, MONTH_COLUMN, ROW = 360, 78, 22


def _narrow(title: str, chart_id: str, months: list[str], measures: list[str],
            values: list[list[Any]], *, stacked: bool) -> Markup:
    """Months as rows; a stacked bar per month, or one thin bar per measure."""
    lane = ROW if stacked else max(ROW, 4 + 8 * len(measures))
    height = TOP + lane * max(len(months), 1) + 6
    peak = (max((sum(v or 0 for v in row) for row in values), default=0) if stacked else
            max((v for row in values for v in row if v is not None), default=0))
    top, room = _nice(peak), NARROW - MONTH_COLUMN - 44
    body = []
    for i, (month, row) in enumerate(zip(months, values, strict=True)):
        y = TOP + i * lane
        body.append(f'<text x="{MONTH_COLUMN - 6}" y="{y + lane / 2 + 4:.1f}" text-anchor="end" '
                    f'font-size="12" fill="#333">{escape(month)}</text>')
        x = float(MONTH_COLUMN)
        for j, value in enumerate(row):
            if not value:
                continue
            w = room * value / top
            if stacked:
                body.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{lane - 6}" '
                            f'fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(month)} · '
                            f'{escape(measures[j])}: {value}</title></rect>')
                x += w
            else:
                body.append(f'<rect x="{MONTH_COLUMN}" y="{y + 2 + j * 8}" width="{w:.1f}" '
                            f'height="6" fill="{COLOURS[j]}"><title>{escape(month)} · '
                            f'{escape(measures[j])}: {value}</title></rect>')
        if stacked:
            total = sum(v or 0 for v in row)
            body.append(f'<text x="{x + 4:.1f}" y="{y + lane / 2 + 4:.1f}" font-size="12" '
                        f'fill="#333">{total:g}</text>')
    return _frame(title, chart_id, body, height, width=NARROW, kind="narrow")


def _axis(top: float, height: int) -> list[str]:
    """The y axis: four gridlines labelled with their value."""
    plot = height - BOTTOM - TOP
    out = []
    for step in range(5):
        value = top * step / 4
        y = height - BOTTOM - plot * step / 4
        out.append(f'<line x1="{LEFT}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="#ddd"/><text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                   f'font-size="11" fill="#333">{value:g}</text>')
    return out


def _nice(value: float) -> float:
    """A round top for the axis, at or above the largest value."""
    if value <= 0:
        return 1
    for top in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000,
                20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000):
        if value <= top:
            return top
    return value


def stacked(title: str, chart_id: str, months: list[str], categories: list[str],
            values: list[list[Any]]) -> tuple[Markup, list[tuple[str, str]]]:
    """Bars per month, stacked by category; with the legend (label, colour)."""
    totals = [sum(v or 0 for v in row) for row in values]
    top = _nice(max(totals, default=0))
    plot, slot = HEIGHT - BOTTOM - TOP, (WIDTH - LEFT) / max(len(months), 1)
    body = _axis(top, HEIGHT)
    for i, (month, row) in enumerate(zip(months, values, strict=True)):
        x, base = LEFT + i * slot + slot * 0.15, HEIGHT - BOTTOM
        for j, value in enumerate(row):
            h = plot * (value or 0) / top
            if h > 0:
                base -= h
                body.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.7:.1f}" '
                            f'height="{h:.1f}" fill="{COLOURS[j % len(COLOURS)]}">'
                            f'<title>{escape(month)} · {escape(categories[j])}: {value}</title>'
                            f'</rect>')
        body.append(f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                    f'text-anchor="middle" font-size="11" fill="#333">{escape(month)}</text>')
    legend = [(c, COLOURS[j % len(COLOURS)]) for j, c in enumerate(categories)]
    return _frame(title, chart_id, body, kind="wide") + _narrow(
        title, chart_id, months, categories, values, stacked=True), legend


def grouped(title: str, chart_id: str, months: list[str], measures: list[str],
            values: list[list[Any]]) -> tuple[Markup, list[tuple[str, str]]]:
    """Side-by-side bars per month, one per measure (empty months left blank)."""
    top = _nice(max((v for row in values for v in row if v is not None), default=0))
    plot, slot = HEIGHT - BOTTOM - TOP, (WIDTH - LEFT) / max(len(months), 1)
    width = slot * 0.7 / max(len(measures), 1)
    body = _axis(top, HEIGHT)
    for i, (month, row) in enumerate(zip(months, values, strict=True)):
        x = LEFT + i * slot + slot * 0.15
        for j, value in enumerate(row):
            if value is None:
                continue
            h = plot * value / top
            body.append(f'<rect x="{x + j * width:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" '
                        f'width="{width:.1f}" height="{h:.1f}" fill="{COLOURS[j]}">'
                        f'<title>{escape(month)} · {escape(measures[j])}: {value}</title></rect>')
        body.append(f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                    f'text-anchor="middle" font-size="11" fill="#333">{escape(month)}</text>')
    return _frame(title, chart_id, body, kind="wide") + _narrow(
        title, chart_id, months, measures, values, stacked=False), [
        (m, COLOURS[j]) for j, m in enumerate(measures)]


def bars(title: str, chart_id: str, labels: list[str], values: list[float]) -> Markup:
    """Horizontal bars, one per label, largest first."""
    row, label_width = 22, 300
    height = TOP + row * max(len(labels), 1) + 10
    top = _nice(max(values, default=0))
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + i * row
        w = (WIDTH - label_width - 40) * value / top
        short = label if len(label) <= 45 else label[:44] + "…"
        body.append(f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" font-size="12" '
                    f'fill="#333">{escape(short)}</text><rect x="{label_width}" y="{y + 3}" '
                    f'width="{w:.1f}" height="{row - 6}" fill="{COLOURS[0]}"><title>'
                    f'{escape(label)}: {value}</title></rect><text x="{label_width + w + 4:.1f}" '
                    f'y="{y + 15}" font-size="12" fill="#333">{value:g}</text>')
    return _frame(title, chart_id, body, height)
