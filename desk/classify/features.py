"""From text to a sparse vector: hashed word-stem uni/bigrams and character n-grams.

The same code makes the training matrix and reads a request, so what the model learned and
what it sees can never drift apart. Hashing (CRC-32) keeps no vocabulary: the model is a few
arrays, loaded in milliseconds.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from desk.classify.text import detect_language, normalise, stems, words

N_FEATURES = 1 << 18
CHAR_SIZES = (3, 4, 5)
CHAR_WEIGHT = 2.0  # character n-grams: typos, dialect, word parts (weighed by cross-validation)


@dataclass(frozen=True, slots=True)
class Reading:
    """One text, read: its language, tokens, and hashed features with their source words."""

    language: str
    tokens: list[str]
    index: np.ndarray  # feature ids, sorted, unique
    counts: np.ndarray  # weighted counts for those ids
    sources: dict[int, str]  # feature id -> the word it first came from (for explanations)


def _hash(feature: str) -> int:
    return zlib.crc32(feature.encode()) % N_FEATURES


def read(text: str) -> Reading:
    tokens = words(normalise(text))
    language = detect_language(tokens)
    stemmed = stems(tokens, language)
    features: list[str] = []
    weights: list[float] = []
    owners: list[str] = []
    previous = None
    for token, stem in zip(tokens, stemmed, strict=True):
        features.append("w " + stem)
        weights.append(1.0)
        owners.append(token)
        if previous is not None:
            features.append("b " + previous[1] + " " + stem)
            weights.append(1.0)
            owners.append(previous[0] + " " + token)
        previous = (token, stem)
        padded = f" {token} "
        grams = [padded[i:i + n] for n in CHAR_SIZES for i in range(len(padded) - n + 1)]
        features.extend("c " + g for g in grams)
        weights.extend([CHAR_WEIGHT] * len(grams))
        owners.extend([token] * len(grams))
    crc = zlib.crc32
    keys = np.fromiter((crc(f.encode()) for f in features), dtype=np.int64,
                       count=len(features)) % N_FEATURES
    index, inverse = np.unique(keys, return_inverse=True)
    counts = np.bincount(inverse, weights=np.asarray(weights), minlength=len(index))
    sources: dict[int, str] = {}
    for key, owner in zip(keys.tolist(), owners, strict=True):
        sources.setdefault(key, owner)
    return Reading(language, tokens, index, counts, sources)


def tfidf(reading: Reading, idf: np.ndarray) -> np.ndarray:
    """Sublinear term frequency times idf, L2-normalised: the values for reading.index."""
    values = (1.0 + np.log(reading.counts)) * idf[reading.index] if len(reading.index) else (
        reading.counts.copy())
    norm = math.sqrt(float(values @ values)) if len(values) else 0.0
    return values / norm if norm else values
