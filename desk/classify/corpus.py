"""The labelled requests the desk learns from, and how a model is judged on them."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from desk.classify.model import Example, Prediction, ThemeModel
from desk.requests.vocabulary import THEMES

DATA = Path(__file__).resolve().parent / "data"
TRAINING_GLOB = "train_*.jsonl"
EVALUATION_FILE = DATA / "eval.jsonl"  # themes (and the first crisis and spam checks)
# Written apart from the training files, by other hands: crises and the calm texts closest to
# them, and short real requests about money beside real spam.
EVALUATION_GLOB = "eval*.jsonl"
CRISIS_KINDS = ("direct", "indirect", "third_party", "acute")


class CorpusError(ValueError):
    pass


def load(path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            themes = tuple(row.get("themes") or ())
            if any(t not in THEMES for t in themes):
                raise CorpusError(f"unknown theme in {themes}")
            category = row.get("category")
            examples.append(Example(text=str(row["text"]), themes=themes,
                                    kind=row.get("kind"), crisis=bool(row.get("crisis")),
                                    spam=bool(row.get("spam")),
                                    category=str(category) if category else None))
        except (ValueError, KeyError, TypeError) as error:
            raise CorpusError(f"{path.name} line {number}: {error}") from error
    return examples


def evaluation_files() -> list[Path]:
    return sorted(DATA.glob(EVALUATION_GLOB))


def training_files() -> list[Path]:
    return sorted(DATA.glob(TRAINING_GLOB))


def shipped_training() -> list[Example]:
    return [e for path in training_files() for e in load(path)]


def digest_of_shipped() -> str:
    """Names the shipped model: it changes when the corpus (or the model code) changes."""
    import hashlib

    from desk.classify import features, flags, meaning, model, text

    sha = hashlib.sha256()
    for path in training_files():
        sha.update(path.read_bytes())
    for module in (features, model, text, flags, meaning):  # a change of code is a change of model
        sha.update(Path(module.__file__).read_bytes())
    return sha.hexdigest()[:12]


@dataclass
class Evaluation:
    total: int
    top1: float  # the top theme is one of the labelled ones
    top1_primary: float  # the top theme is the primary label
    top3: float  # the primary label is among the top three
    per_theme: dict[str, tuple[float, float, float, int]]  # precision, recall, F1, support
    confusion: dict[str, Counter]  # primary label -> predicted top theme counts
    crisis_recall: float
    crisis_false_alarms: float  # share of non-crisis, non-spam texts flagged as crisis
    spam_recall: float
    spam_false_alarms: float
    triage_share: float
    missed_crises: list[str]
    # category -> (flagged, total): crisis kinds count recall, calm kinds false alarms
    by_category: dict[str, tuple[int, int]]
    held_as_spam: list[str]  # real requests the desk would have held as spam
    false_alarms: list[str]

    def as_dict(self) -> dict:
        return {"total": self.total, "top1": self.top1, "top1_primary": self.top1_primary,
                "top3": self.top3, "crisis_recall": self.crisis_recall,
                "crisis_false_alarms": self.crisis_false_alarms,
                "spam_recall": self.spam_recall, "spam_false_alarms": self.spam_false_alarms,
                "triage_share": self.triage_share}

    def at_least_as_good_as(self, other: Evaluation) -> bool:
        return (self.top1 >= other.top1 and self.top3 >= other.top3
                and self.crisis_recall >= other.crisis_recall)


def evaluate(model: ThemeModel, examples: list[Example],
             seen: dict[tuple[str, str | None], Prediction] | None = None) -> Evaluation:
    """`seen`: predictions already made (text, kind), so a text is read once."""
    themed = [e for e in examples if e.themes and not e.spam]
    hits1 = hits1_primary = hits3 = triage = 0
    predicted_counts: Counter = Counter()
    true_positive: Counter = Counter()
    support: Counter = Counter()
    confusion: dict[str, Counter] = {t: Counter() for t in THEMES}
    crises = crisis_found = calm = false_alarms = spams = spam_found = ham = spam_false = 0
    missed: list[str] = []
    alarms: list[str] = []
    held: list[str] = []
    by_category: dict[str, list[int]] = {}
    for example in examples:
        key = (example.text, example.kind)
        prediction = seen.get(key) if seen is not None else None
        if prediction is None:
            prediction = model.predict(example.text, example.kind)
            if seen is not None:
                seen[key] = prediction
        if example.crisis:
            crises += 1
            crisis_found += prediction.crisis
            if not prediction.crisis:
                missed.append(example.text)
        elif not example.spam:
            calm += 1
            false_alarms += prediction.crisis
            if prediction.crisis:
                alarms.append(example.text)
        if example.category:
            counts = by_category.setdefault(example.category, [0, 0])
            counts[0] += prediction.spam if example.spam else prediction.crisis
            counts[1] += 1
        if example.spam:
            spams += 1
            spam_found += prediction.spam
        else:
            ham += 1
            spam_false += prediction.spam
            if prediction.spam:
                held.append(example.text)
        if example.themes and not example.spam:
            top = [t for t, _ in prediction.themes[:3]]
            primary = example.themes[0]
            hits1 += top[0] in example.themes
            hits1_primary += top[0] == primary
            hits3 += primary in top
            triage += prediction.needs_triage
            predicted_counts[top[0]] += 1
            support[primary] += 1
            true_positive[primary] += top[0] == primary
            confusion[primary][top[0]] += 1
    per_theme = {}
    for theme in THEMES:
        precision = true_positive[theme] / predicted_counts[theme] if predicted_counts[theme] else 0
        recall = true_positive[theme] / support[theme] if support[theme] else 0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0
        per_theme[theme] = (precision, recall, f1, support[theme])
    n = len(themed) or 1
    return Evaluation(
        total=len(themed), top1=hits1 / n, top1_primary=hits1_primary / n, top3=hits3 / n,
        per_theme=per_theme, confusion=confusion,
        crisis_recall=crisis_found / crises if crises else 1.0,
        crisis_false_alarms=false_alarms / calm if calm else 0.0,
        spam_recall=spam_found / spams if spams else 1.0,
        spam_false_alarms=spam_false / ham if ham else 0.0,
        triage_share=triage / n, missed_crises=missed,
        by_category={k: (v[0], v[1]) for k, v in by_category.items()},
        held_as_spam=held, false_alarms=alarms,
    )


def report(evaluation: Evaluation) -> str:
    lines = [
        f"requests with a theme: {evaluation.total}",
        f"top-1 (a labelled theme): {evaluation.top1:.1%}   "
        f"top-1 (the primary theme): {evaluation.top1_primary:.1%}   "
        f"top-3 (primary among them): {evaluation.top3:.1%}",
        f"crisis recall: {evaluation.crisis_recall:.1%}   crisis false alarms: "
        f"{evaluation.crisis_false_alarms:.1%}",
        f"spam recall: {evaluation.spam_recall:.1%}   spam false alarms: "
        f"{evaluation.spam_false_alarms:.1%}",
        f"sent to triage for low confidence: {evaluation.triage_share:.1%}",
        "",
        f"{'theme':<12}{'precision':>10}{'recall':>8}{'F1':>7}{'n':>5}",
    ]
    for theme, (precision, recall, f1, n) in evaluation.per_theme.items():
        lines.append(f"{theme:<12}{precision:>10.2f}{recall:>8.2f}{f1:>7.2f}{n:>5}")
    abbreviations = [t[:4] for t in THEMES]
    lines += ["", "confusion (rows: primary label, columns: top theme)",
              " " * 12 + "".join(f"{a:>5}" for a in abbreviations)]
    for theme in THEMES:
        lines.append(f"{theme:<12}" + "".join(
            f"{evaluation.confusion[theme][t]:>5}" for t in THEMES))
    lines += crisis_lines(evaluation)
    return "\n".join(lines)


def crisis_lines(evaluation: Evaluation) -> list[str]:
    """Recall per kind of crisis, false alarms per kind of calm text, real requests held as
    spam, and every miss in full: what a person should read."""
    lines = []
    if evaluation.by_category:
        lines += ["", f"{'category':<14}{'flagged':>9}{'of':>6}{'share':>9}   what it means"]
        for name in sorted(evaluation.by_category, key=lambda c: (
                c not in CRISIS_KINDS, c == "spam", c)):
            flagged, total = evaluation.by_category[name]
            meaning = ("crisis recall" if name in CRISIS_KINDS else "spam caught"
                       if name == "spam" else "false crisis alarms")
            lines.append(f"{name:<14}{flagged:>9}{total:>6}{flagged / total:>9.1%}   {meaning}")
    for text in evaluation.missed_crises:
        lines.append(f"MISSED CRISIS: {text[:200]}")
    for text in evaluation.false_alarms:
        lines.append(f"FALSE ALARM: {text[:200]}")
    for text in evaluation.held_as_spam:
        lines.append(f"HELD AS SPAM: {text[:200]}")
    return lines
