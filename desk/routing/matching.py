"""Which partner fits a request best: pure scoring, so it is fast and easy to reason about.

A partner is eligible when it is active (not paused), covers the requester's municipality,
speaks the request's language, has room (open offers + accepted requests below capacity) and
has not already declined or let an offer expire on this request. Among the eligible, the fit is
the sum over themes of the request's theme score times the partner's weight for that theme.
Near-equal fits (within `NEAR`) go to the less loaded partner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

NEAR = 0.05  # fits this close count as equal: then load decides
MIN_FIT = 0.15  # below this no partner "fits": central triage


@dataclass(frozen=True, slots=True)
class PartnerProfile:
    id: int
    slug: str
    name: str
    weights: Mapping[str, float]  # theme slug -> 0..1
    covers_all: bool = False
    provinces: frozenset[str] = frozenset()
    municipalities: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset({"nl"})
    capacity: int = 20
    load: int = 0  # open offers + accepted requests
    active: bool = True
    staffed: bool = True  # has an active coordinator, so an offer reaches someone
    paused_until: date | None = None

    def covers(self, municipality: str | None, province: str | None) -> bool:
        return self.covers_all or (province in self.provinces) or (
            municipality in self.municipalities)

    def coverage_words(self, need: Need) -> str:
        if self.covers_all:
            return "works in all of Flanders and Brussels"
        if need.municipality in self.municipalities:
            return f"works in {need.place or need.municipality}"
        return f"works in {need.province_name or 'province ' + str(need.province)}"


@dataclass(frozen=True, slots=True)
class Need:
    themes: Mapping[str, float]  # theme slug -> score (the classifier's, all 13)
    municipality: str | None
    province: str | None
    language: str | None  # None: any language (to ask whether language alone stood in the way)
    in_area: bool = True
    skip: frozenset[int] = frozenset()  # partners that declined or let an offer expire
    place: str | None = None  # names, for the explanation
    province_name: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    partner: PartnerProfile
    fit: float

    def reasons(self, need: Need) -> list[str]:
        """The (up to three) themes that make the fit, strongest first, in words."""
        weights = self.partner.weights
        strongest = sorted(weights, key=lambda t: -need.themes.get(t, 0.0) * weights[t])[:3]
        return [f"{theme} {need.themes.get(theme, 0.0):.2f} × weight {weights[theme]:.1f}"
                for theme in strongest if need.themes.get(theme, 0.0) * weights[theme] >= 0.005]


@dataclass
class Decision:
    chosen: Candidate | None
    ranked: list[Candidate]
    excluded: dict[str, str] = field(default_factory=dict)  # partner slug -> why not
    explanation: str = ""


def eligibility(partner: PartnerProfile, need: Need, today: date) -> str | None:
    """None when the partner may get this request, else why not (in plain words)."""
    if not partner.active:
        return "not active"
    if not partner.staffed:
        return "no active coordinator to receive the offer"
    if partner.paused_until is not None and partner.paused_until >= today:
        return f"paused until {partner.paused_until:%d/%m/%Y}"
    if partner.id in need.skip:
        return "declined or let an earlier offer expire"
    if not partner.covers(need.municipality, need.province):
        return "does not work in this municipality"
    if need.language is not None and need.language not in partner.languages:
        return f"does not speak {need.language}"
    if partner.load >= partner.capacity:
        return f"full ({partner.load} of {partner.capacity})"
    return None


def decide(need: Need, partners: Iterable[PartnerProfile], today: date) -> Decision:
    if not need.in_area:
        return Decision(None, [], explanation="outside Flanders and Brussels: central triage")
    ranked: list[Candidate] = []
    excluded: dict[str, str] = {}
    for partner in partners:
        why_not = eligibility(partner, need, today)
        if why_not:
            excluded[partner.slug] = why_not
            continue
        themes = need.themes
        fit = sum(themes.get(theme, 0.0) * weight for theme, weight in partner.weights.items())
        ranked.append(Candidate(partner, fit))
    # Best fit first; among near-equal fits the less loaded (relative to capacity) first.
    ranked.sort(key=lambda c: -c.fit)
    if ranked:
        best = ranked[0].fit
        near = [c for c in ranked if best - c.fit <= NEAR]
        rest = [c for c in ranked if best - c.fit > NEAR]
        near.sort(key=lambda c: (c.partner.load / max(c.partner.capacity, 1), -c.fit))
        ranked = near + rest
    chosen = ranked[0] if ranked and ranked[0].fit >= MIN_FIT else None
    return Decision(chosen, ranked, excluded, _explain(need, chosen, ranked, excluded))


def _explain(need: Need, chosen: Candidate | None, ranked: list[Candidate],
             excluded: dict[str, str]) -> str:
    if chosen is None:
        if not ranked:
            return "no partner can take it: central triage"
        return (f"no partner fits well enough (best {ranked[0].partner.name} at "
                f"{ranked[0].fit:.2f}): central triage")
    partner = chosen.partner
    text = (f"{partner.name}: fit {chosen.fit:.2f} ({', '.join(chosen.reasons(need))}); "
            f"{partner.coverage_words(need)}; load {partner.load} of {partner.capacity}")
    others = [f"{c.partner.name} {c.fit:.2f}" for c in ranked[1:3]]
    if others:
        text += f"; next: {', '.join(others)}"
    if excluded:
        text += f"; {len(excluded)} not eligible"
    return text
