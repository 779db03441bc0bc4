"""Matching and the working-day calendar (the first pieces of routing)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from desk.routing.calendar import BRUSSELS, add_working_days, is_working_day
from desk.routing.matching import Need, PartnerProfile, decide

TODAY = date(2026, 11, 30)
GENT, GENT_PROVINCE = "44021", "40000"


def partner(pid: int, slug: str, **kwargs) -> PartnerProfile:
    kwargs.setdefault("weights", {"eenzaamheid": 1.0})
    kwargs.setdefault("covers_all", True)
    return PartnerProfile(id=pid, slug=slug, name=slug.title(), **kwargs)


def need(**kwargs) -> Need:
    kwargs.setdefault("themes", {"eenzaamheid": 0.7, "buddy": 0.2})
    kwargs.setdefault("municipality", GENT)
    kwargs.setdefault("province", GENT_PROVINCE)
    kwargs.setdefault("language", "nl")
    return Need(**kwargs)


def test_the_best_theme_fit_wins_and_the_explanation_says_why():
    decision = decide(need(), [
        partner(1, "buurtwerk", weights={"buurt": 1.0, "eenzaamheid": 0.3}),
        partner(2, "lus", weights={"eenzaamheid": 0.9, "netwerk": 1.0}),
        partner(3, "armentekort", weights={"armoede": 1.0, "buddy": 0.9}),
    ], TODAY)
    assert [c.partner.slug for c in decision.ranked] == ["lus", "buurtwerk", "armentekort"]
    assert decision.chosen.partner.slug == "lus"
    assert "Lus" in decision.explanation and "eenzaamheid" in decision.explanation
    assert "load 0 of 20" in decision.explanation


@pytest.mark.parametrize(("profile", "why"), [
    ({"covers_all": False, "provinces": frozenset({"10000"})}, "does not work"),
    ({"covers_all": False, "municipalities": frozenset({GENT})}, None),
    ({"covers_all": False, "provinces": frozenset({GENT_PROVINCE})}, None),
    ({"languages": frozenset({"fr"})}, "does not speak nl"),
    ({"paused_until": date(2026, 12, 24)}, "paused until"),
    ({"paused_until": date(2026, 11, 29)}, None),
    ({"active": False}, "not active"),
    ({"capacity": 5, "load": 5}, "full"),
])
def test_filters_coverage_language_pause_capacity(profile, why):
    decision = decide(need(), [partner(1, "one", **profile)], TODAY)
    if why is None:
        assert decision.chosen is not None
    else:
        assert decision.chosen is None and why in decision.excluded["one"]


def test_partners_that_declined_are_skipped():
    decision = decide(need(skip=frozenset({1})), [partner(1, "first"), partner(2, "second")],
                      TODAY)
    assert decision.chosen.partner.slug == "second"
    assert "declined" in decision.excluded["first"]


def test_near_equal_fits_go_to_the_less_loaded_partner():
    busy = partner(1, "busy", weights={"eenzaamheid": 1.0}, load=15)
    calm = partner(2, "calm", weights={"eenzaamheid": 0.95}, load=2)
    assert decide(need(), [busy, calm], TODAY).chosen.partner.slug == "calm"
    clearly_better = partner(1, "busy", weights={"eenzaamheid": 1.0, "buddy": 1.0}, load=15)
    assert decide(need(), [clearly_better, calm], TODAY).chosen.partner.slug == "busy"


def test_out_of_area_and_no_fit_go_to_triage():
    assert decide(need(in_area=False), [partner(1, "one")], TODAY).chosen is None
    unrelated = partner(1, "one", weights={"beleid": 1.0})
    decision = decide(need(), [unrelated], TODAY)
    assert decision.chosen is None and "triage" in decision.explanation


def test_all_200_partners_are_ranked_best_fit_first():
    partners = [partner(i, f"p{i}", weights={"eenzaamheid": (i % 10) / 10, "buddy": 0.5},
                        load=i % 7) for i in range(200)]
    decision = decide(need(), partners, TODAY)
    assert len(decision.ranked) == 200
    assert decision.chosen.fit == max(c.fit for c in decision.ranked)
    assert decision.chosen.partner.weights["eenzaamheid"] == 0.9


@pytest.mark.parametrize(("start", "days", "due"), [
    # Thursday 24 December: Christmas (Fri) and the weekend do not count.
    (datetime(2026, 12, 24, 10, 0, tzinfo=BRUSSELS), 2, datetime(2026, 12, 29, 10, 0)),
    # Friday evening: due Tuesday evening.
    (datetime(2026, 11, 27, 18, 30, tzinfo=BRUSSELS), 2, datetime(2026, 12, 1, 18, 30)),
    # Armistice Day (Wednesday 11 November 2026) is skipped.
    (datetime(2026, 11, 10, 9, 0, tzinfo=BRUSSELS), 1, datetime(2026, 11, 12, 9, 0)),
    (datetime(2026, 11, 10, 9, 0, tzinfo=BRUSSELS), 0, datetime(2026, 11, 10, 9, 0)),
])
def test_working_days_skip_weekends_and_belgian_holidays(start, days, due):
    assert add_working_days(start, days) == due.replace(tzinfo=BRUSSELS)


def test_working_days_keep_the_callers_timezone():
    start = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)  # 10:00 in Brussels
    due = add_working_days(start, 2)
    assert due.tzinfo == UTC and due == datetime(2026, 12, 29, 9, 0, tzinfo=UTC)
    assert not is_working_day(date(2026, 12, 25)) and is_working_day(date(2026, 12, 28))
    with pytest.raises(ValueError):
        add_working_days(start, -1)
