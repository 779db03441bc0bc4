"""How long does one routing decision take?  `.venv/bin/python bench/routing.py`

Scores one request against 200 partner profiles (random theme weights, coverage, languages,
loads) with desk.routing.matching.decide, many times on one core, and prints the median and
95th percentile. Target: ≤ 5 ms per decision with 200 partners. Exit status 1 if missed.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.requests.vocabulary import THEMES  # noqa: E402
from desk.routing.matching import Need, PartnerProfile, decide  # noqa: E402

PROVINCES = ["10000", "20001", "30000", "40000", "70000", "04000"]


def main() -> int:
    os.sched_setaffinity(0, {0})
    rng = random.Random(42)
    partners = [
        PartnerProfile(
            id=i, slug=f"p{i}", name=f"Partner {i}",
            weights={t: round(rng.random(), 2) for t in rng.sample(THEMES, 5)},
            covers_all=rng.random() < 0.2,
            provinces=frozenset(rng.sample(PROVINCES, 2)),
            languages=frozenset(rng.sample(["nl", "fr", "en"], rng.randint(1, 3))),
            capacity=20, load=rng.randint(0, 25),
        )
        for i in range(200)
    ]
    scores = [rng.random() for _ in THEMES]
    total = sum(scores)
    need = Need(themes={t: s / total for t, s in zip(THEMES, scores, strict=True)},
                municipality="44021", province="40000", language="nl")
    today = date(2026, 11, 30)
    for _ in range(200):
        decide(need, partners, today)
    timings = []
    for _ in range(2000):
        started = time.perf_counter()
        decide(need, partners, today)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    median, p95 = statistics.median(timings), timings[int(len(timings) * 0.95)]
    print(f"one decision, 200 partners: median {median:.3f} ms, p95 {p95:.3f} ms (one core)")
    ok = median <= 5
    print(f"{'PASS' if ok else 'FAIL'}  median ≤ 5 ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
