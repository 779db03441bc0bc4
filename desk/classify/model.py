"""The theme model: a linear model over hashed features, with crisis and spam heads.

Trained with scikit-learn (logistic regression); read with numpy alone, so loading a model is a
matter of milliseconds and a few megabytes. A model is one compressed .npz file (bytes), with
its version and metadata inside.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from desk.classify import crisis as crisis_reader
from desk.classify import features, flags, meaning
from desk.classify.features import N_FEATURES, Reading, read, tfidf
from desk.classify.text import FUNCTION_WORDS, content_words
from desk.requests.vocabulary import KINDS, THEMES

# Routing needs confidence: below these the request goes to a person (central triage).
MIN_TOP = 0.25
MIN_MARGIN = 0.05
MIN_CONTENT_WORDS = 1
# The crisis readers' thresholds live in crisis.py.
C_MEANING = 4.0  # inverse regularisation of the meaning head (by cross-validation)
SPAM_EVIDENCE_THRESHOLD = 0.3  # with a spam sign present (flags.py)
SECONDARY_WEIGHT = 0.35  # a defensible second theme counts this much in training
C_THEMES = 80.0  # inverse regularisation of the theme model (by cross-validation)


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    themes: tuple[str, ...]
    kind: str | None = None
    crisis: bool = False
    spam: bool = False
    # What kind of message it is, for the evaluation's breakdown: a crisis (direct, indirect,
    # third_party, acute) or a calm text close to one (grief, prevention, idiom, …).
    category: str | None = None


@dataclass
class Prediction:
    themes: list[tuple[str, float]]  # all 13, best first
    language: str
    crisis: bool
    spam: bool
    needs_triage: bool
    reason: str | None
    explanation: str
    model_version: str
    signals: dict[str, list[str]] = field(default_factory=dict)
    crisis_reading: crisis_reader.CrisisReading = field(
        default_factory=lambda: crisis_reader.CrisisReading(crisis_reader.CALM))

    def as_json(self) -> dict[str, Any]:
        return {
            "themes": [{"theme": t, "score": round(s, 4)} for t, s in self.themes],
            "language": self.language,
            "crisis": self.crisis,
            "spam": self.spam,
            "needs_triage": self.needs_triage,
            "reason": self.reason,
            "explanation": self.explanation,
            "model_version": self.model_version,
            "crisis_reading": self.crisis_reading.as_json(),
        }


def _reading(text: str, kind: str | None) -> Reading:
    reading = read(text)
    if kind in KINDS:  # who asks says something too: a council's question is often policy
        key = features._hash("k " + kind)
        index = np.union1d(reading.index, [key])
        counts = np.zeros(len(index))
        counts[np.searchsorted(index, reading.index)] = reading.counts
        counts[np.searchsorted(index, key)] += 1.0
        return Reading(reading.language, reading.tokens, index, counts, reading.sources)
    return reading


class ThemeModel:
    def __init__(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.idf = arrays["idf"]
        self.coef = arrays["coef"]  # (themes, N_FEATURES)
        self.intercept = arrays["intercept"]
        self.crisis_coef = arrays["crisis_coef"]
        self.crisis_bias = float(arrays["crisis_bias"])
        self.spam_coef = arrays["spam_coef"]
        self.spam_bias = float(arrays["spam_bias"])
        self.meaning_coef = arrays.get("meaning_coef", np.zeros(meaning.FEATURES, np.float32))
        self.meaning_bias = float(arrays.get("meaning_bias", -50.0))
        self.meta = meta
        self.themes: tuple[str, ...] = tuple(meta["themes"])
        self.version: str = meta["version"]

    # -- reading one request -------------------------------------------------------------
    def predict(self, text: str, kind: str | None = None) -> Prediction:
        reading = _reading(text, kind)
        x = tfidf(reading, self.idf)
        logits = self.coef[:, reading.index] @ x + self.intercept
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities)
        ranked = [(self.themes[i], float(probabilities[i])) for i in order]

        crisis_phrases = flags.crisis_signals(text)
        crisis_score = _sigmoid(float(self.crisis_coef[reading.index] @ x) + self.crisis_bias)
        understood = self.read_meaning(text)
        crisis_reading = crisis_reader.decide(crisis_phrases, crisis_score, understood)
        crisis = crisis_reading.flagged
        spam_phrases = flags.spam_signals(text, reading.tokens)
        spam_score = _sigmoid(float(self.spam_coef[reading.index] @ x) + self.spam_bias)
        # Held as spam only on evidence a person can see (links, selling, crypto, dating,
        # gibberish) that the model agrees with: a short request about debts in broken Dutch
        # reads like nothing the model has seen, and must never be held for that alone.
        spam = not crisis and bool(spam_phrases) and (
            spam_score >= SPAM_EVIDENCE_THRESHOLD or "gibberish" in spam_phrases)

        top, second = ranked[0][1], ranked[1][1]
        reason = None
        if crisis:
            reason = crisis_reading.reason()
        elif spam:
            reason = None
        elif len(content_words(reading.tokens)) < MIN_CONTENT_WORDS:
            reason = "too_little"  # the request hardly says what is needed
        elif top < MIN_TOP:
            reason = "unsure"  # no theme stands out
        elif top - second < MIN_MARGIN:
            reason = "close_call"  # two themes fit about as well
        signals = {"crisis": [p for _, p in crisis_phrases], "spam": spam_phrases}
        explanation = self._explain(reading, x, order[:2], ranked, signals, crisis_reading)
        return Prediction(ranked, reading.language, crisis, spam, reason is not None, reason,
                          explanation, self.version, signals, crisis_reading)

    def read_meaning(self, text: str) -> float | None:
        """The meaning reader's crisis probability (None for a model trained without it)."""
        if not self.meaning_coef.any():
            return None
        return meaning.score(text, self.meaning_coef, self.meaning_bias)

    def _explain(self, reading: Reading, x: np.ndarray, best: np.ndarray,
                 ranked: list[tuple[str, float]], signals: dict[str, list[str]],
                 crisis_reading: crisis_reader.CrisisReading) -> str:
        parts = []
        for rank, theme_index in enumerate(best):
            contributions = self.coef[theme_index, reading.index] * x
            strongest = np.argsort(-contributions)[:24]
            weights: dict[str, float] = defaultdict(float)
            for position in strongest.tolist():
                if contributions[position] > 0:
                    word = reading.sources.get(int(reading.index[position]))
                    if word and not all(part in FUNCTION_WORDS for part in word.split()):
                        weights[word] += float(contributions[position])
            top_words = sorted(weights, key=lambda w: -weights[w])[:4]
            theme, score = ranked[rank]
            quoted = ", ".join(f"'{w}'" for w in top_words) or "no single word"
            parts.append(f"{theme} {score:.2f}: {quoted}")
        text = "; ".join(parts)
        if crisis_reading.flagged:
            text += f". {crisis_reading.reason()}"
        if signals["spam"]:
            text += f". Spam signs: {', '.join(signals['spam'][:3])}"
        return text

    # -- storage ---------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer, idf=self.idf, coef=self.coef, intercept=self.intercept,
            crisis_coef=self.crisis_coef, crisis_bias=np.array(self.crisis_bias),
            spam_coef=self.spam_coef, spam_bias=np.array(self.spam_bias),
            meaning_coef=self.meaning_coef, meaning_bias=np.array(self.meaning_bias),
            meta=np.array(json.dumps(self.meta)),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> ThemeModel:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        return cls(arrays, json.loads(str(arrays.pop("meta"))))


def _sigmoid(value: float) -> float:
    return float(1.0 / (1.0 + np.exp(-value)))


# -- training --------------------------------------------------------------------------------
def examples_digest(examples: list[Example]) -> str:
    """Names what a model learned from: the same examples give the same digest."""
    return hashlib.sha256("\n".join(
        f"{e.text}|{','.join(e.themes)}|{e.kind}|{e.crisis}|{e.spam}" for e in examples
    ).encode()).hexdigest()[:8]


def train(examples: list[Example], *, note: str = "") -> ThemeModel:
    """Fit the model on examples (themes, crisis and spam labels). Takes seconds."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    readings = [_reading(e.text, e.kind) for e in examples]
    # Word weights from the requests as the desk receives them (the crisis corpus, written to
    # teach the crisis readers, would shift every theme's weights).
    document_frequency = np.zeros(N_FEATURES)
    usual = [r for r, e in zip(readings, examples, strict=True) if not e.category]
    for reading in usual:
        document_frequency[reading.index] += 1
    idf = (np.log((1 + len(usual)) / (1 + document_frequency)) + 1).astype(np.float32)

    rows, cols, values = [], [], []
    for row, reading in enumerate(readings):
        x = tfidf(reading, idf)
        rows.extend([row] * len(x))
        cols.extend(reading.index.tolist())
        values.extend(x.tolist())
    # Only the features the corpus has: the solver works on those columns, then the weights go
    # back to their hashed places.
    used = np.unique(np.asarray(cols, dtype=np.int64))
    matrix = sparse.csr_matrix((values, (rows, np.searchsorted(used, cols))),
                               shape=(len(readings), len(used)))

    theme_rows, theme_labels, theme_weights = [], [], []
    for row, example in enumerate(examples):
        # The crisis corpus (texts with a category) teaches the crisis readers, not themes:
        # its theme labels were an afterthought of people writing crises.
        if example.spam or not example.themes or example.category:
            continue
        for position, theme in enumerate(example.themes[:2]):
            theme_rows.append(row)
            theme_labels.append(THEMES.index(theme))
            theme_weights.append(1.0 if position == 0 else SECONDARY_WEIGHT)
    themes = LogisticRegression(C=C_THEMES, max_iter=3000)
    themes.fit(matrix[theme_rows], theme_labels, sample_weight=theme_weights)
    coef = np.zeros((len(THEMES), N_FEATURES), dtype=np.float32)
    intercept = np.zeros(len(THEMES), dtype=np.float32)
    coef[np.ix_(themes.classes_, used)] = themes.coef_
    intercept[themes.classes_] = themes.intercept_
    # A theme absent from the data never wins.
    missing = [i for i in range(len(THEMES)) if i not in set(themes.classes_)]
    intercept[missing] = -50.0

    def head(labels: list[bool]) -> tuple[np.ndarray, float]:
        weights = np.zeros(N_FEATURES, dtype=np.float32)
        if len(set(labels)) < 2:
            return weights, -50.0
        model = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced")
        model.fit(matrix, labels)
        weights[used] = model.coef_[0]
        return weights, float(model.intercept_[0])

    crisis_coef, crisis_bias = head([e.crisis for e in examples])
    spam_coef, spam_bias = head([e.spam for e in examples])
    vectors = meaning.features([e.text for e in examples], remember=True)
    meaning_coef, meaning_bias = meaning.fit(vectors, [e.crisis for e in examples], C_MEANING)

    digest = examples_digest(examples)
    now = datetime.now(UTC)
    meta = {
        "version": f"{now:%Y%m%d%H%M%S}-{digest}",
        "themes": list(THEMES),
        "trained_at": now.isoformat(),
        "examples": len(examples),
        "data_digest": digest,
        "note": note,
    }
    return ThemeModel(
        {"idf": idf, "coef": coef, "intercept": intercept, "crisis_coef": crisis_coef,
         "crisis_bias": np.array(crisis_bias), "spam_coef": spam_coef,
         "spam_bias": np.array(spam_bias), "meaning_coef": meaning_coef,
         "meaning_bias": np.array(meaning_bias)},
        meta,
    )
