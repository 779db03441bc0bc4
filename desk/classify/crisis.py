"""Is someone in danger? Two independent readers, and doubt counts as danger.

1. The words: crisis phrases (flags.py: word forms, indirect phrasings, dialect, three
   languages) and the linear head over the request's word and character features.
2. The meaning: a multilingual sentence encoder with a head of its own (meaning.py), which
   recognises a crisis said in words the corpus never used.

Either reader sure → a crisis. Either in the grey zone, or the readers disagree → a possible
crisis, handled the same way (help lines at once, the central team alerted, never routed
first) and said to be a possible one. Every reason is kept in words a person can check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Chosen by 5-fold cross-validation on the training corpus: the most crises found with false
# alarms on its hard negatives (grief, prevention, policy, past, idiom, media) at or under 6 %
# and on ordinary requests under 5 %. bench/crisis.py prints what they give on the evaluation
# files. Grey: worth a person's look today.
WORDS_SURE = 0.9
WORDS_GREY = 0.7
MEANING_SURE = 0.95
MEANING_GREY = 0.8
# Neither reader in its grey zone, but both leaning the same way.
WORDS_LEAN = 0.3
MEANING_LEAN = 0.4

CRISIS, POSSIBLE, CALM = "crisis", "possible", "calm"


@dataclass(frozen=True)
class CrisisReading:
    level: str  # crisis, possible or calm
    phrases: list[tuple[str, str]] = field(default_factory=list)  # (kind, matched words)
    words: float = 0.0  # the linear head's probability
    meaning: float | None = None  # the sentence encoder's (None: not read)

    @property
    def flagged(self) -> bool:
        """Handled as a crisis: sure or possible."""
        return self.level != CALM

    def as_json(self) -> dict[str, Any]:
        return {"level": self.level, "phrases": [p for _, p in self.phrases], "why": self.why(),
                "kinds": sorted({k for k, _ in self.phrases}), "words": round(self.words, 3),
                "meaning": None if self.meaning is None else round(self.meaning, 3)}

    def why(self) -> list[str]:
        """What made it a (possible) crisis: phrases, words, meaning, and/or both leaning."""
        reasons = ["phrases"] if self.phrases else []
        if self.words >= WORDS_GREY:
            reasons.append("words")
        if self.meaning is not None and self.meaning >= MEANING_GREY:
            reasons.append("meaning")
        if len(reasons) == 0 and self.level != CALM:
            reasons.append("both")
        return reasons

    def reason(self) -> str | None:
        """For the triage reason and the alert (the central team's language is Dutch)."""
        if self.level == CALM:
            return None
        meaning = self.meaning or 0.0
        words = {
            "phrases": "woorden: " + ", ".join(f"'{p}'" for _, p in self.phrases[:4]),
            "words": f"woordgebruik lijkt op eerdere crisisberichten ({self.words:.0%})",
            "meaning": f"de betekenis lijkt op eerdere crisisberichten ({meaning:.0%})",
            "both": f"woorden ({self.words:.0%}) en betekenis ({meaning:.0%}) wijzen allebei "
                    "een beetje in die richting",
        }
        head = "crisis" if self.level == CRISIS else "mogelijke crisis"
        return f"{head}: " + "; ".join(words[reason] for reason in self.why())


def decide(phrases: list[tuple[str, str]], words: float, meaning: float | None) -> CrisisReading:
    sure = bool(phrases) or words >= WORDS_SURE or (meaning is not None and meaning >= MEANING_SURE)
    grey = words >= WORDS_GREY or (meaning is not None and (
        meaning >= MEANING_GREY or (words >= WORDS_LEAN and meaning >= MEANING_LEAN)))
    level = CRISIS if sure else POSSIBLE if grey else CALM
    return CrisisReading(level, phrases, words, meaning)
