"""How well, and how fast, does each crisis reader read?  `.venv/bin/python bench/crisis.py`

On the shipped evaluation files (written apart from the training files, by other hands): for
each reader alone — the phrases, the words head, the meaning head — and for the desk's decision
(either sure, or either in the grey zone: a possible crisis), crisis recall per kind of crisis
and false alarms per kind of calm text; then the time per request of each reader, and of the
check the form makes at filing, on one core (median and p95 over every evaluation text).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DESK_ENV", "test")

from desk import create_app  # noqa: E402
from desk.classify import corpus, crisis, flags  # noqa: E402
from desk.classify.features import tfidf  # noqa: E402
from desk.classify.model import _reading, _sigmoid  # noqa: E402
from desk.classify.registry import shipped_model  # noqa: E402

KINDS = ("direct", "indirect", "third_party", "acute")
CALM = ("grief", "prevention", "policy", "past", "idiom", "media", "ordinary", "money_short")


def main() -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        model = shipped_model()
    examples = [e for f in corpus.evaluation_files() for e in corpus.load(f)
                if e.category in KINDS + CALM]
    timings: dict[str, list[float]] = {"phrases": [], "words": [], "meaning": [],
                                       "at filing": [], "whole reading": []}
    verdicts: dict[str, list[bool]] = {"phrases": [], "words": [], "meaning": [], "desk": []}
    for example in examples:
        text = example.text
        start = time.perf_counter()
        phrases = flags.crisis_signals(text)
        timings["phrases"].append(time.perf_counter() - start)
        start = time.perf_counter()
        reading = _reading(text, example.kind)
        words = _sigmoid(float(model.crisis_coef[reading.index] @ tfidf(reading, model.idf))
                         + model.crisis_bias)
        timings["words"].append(time.perf_counter() - start)
        start = time.perf_counter()
        meaning = model.read_meaning(text)
        timings["meaning"].append(time.perf_counter() - start)
        start = time.perf_counter()
        flags.alarm_at_filing(text)
        timings["at filing"].append(time.perf_counter() - start)
        start = time.perf_counter()
        model.predict(text, example.kind)
        timings["whole reading"].append(time.perf_counter() - start)
        verdicts["phrases"].append(bool(phrases))
        verdicts["words"].append(words >= crisis.WORDS_GREY)
        verdicts["meaning"].append(meaning is not None and meaning >= crisis.MEANING_GREY)
        verdicts["desk"].append(crisis.decide(phrases, words, meaning).flagged)

    print(f"model {model.version}; {len(examples)} evaluation texts "
          f"({sum(e.crisis for e in examples)} crises)\n")
    print(f"{'kind':<13}{'n':>5}" + "".join(f"{name:>10}" for name in verdicts))
    for kind in KINDS + CALM:
        rows = [i for i, e in enumerate(examples) if e.category == kind]
        shares = [sum(verdicts[name][i] for i in rows) / len(rows) for name in verdicts]
        print(f"{kind:<13}{len(rows):>5}" + "".join(f"{s:>10.1%}" for s in shares))
    for label, chosen in (("crisis recall", KINDS), ("hard false alarms", CALM[:-1]),
                          ("money false alarms", ("money_short",))):
        rows = [i for i, e in enumerate(examples) if e.category in chosen]
        print(f"{label:<18}" + "".join(
            f"{sum(verdicts[n][i] for i in rows) / len(rows):>10.1%}" for n in verdicts))
    print("\ntime per request, one core")
    for name, values in timings.items():
        values = sorted(values)
        p95 = values[int(0.95 * (len(values) - 1))]
        print(f"  {name:<14} median {statistics.median(values) * 1000:7.2f} ms   "
              f"p95 {p95 * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
