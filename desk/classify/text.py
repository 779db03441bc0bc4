"""Reading a request's words: normalisation, language, tokens and stems (Dutch first)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import snowballstemmer

_URL = re.compile(r"(https?://|www\.)\S+", re.I)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+")

STEMMERS = {"nl": "dutch", "fr": "french", "en": "english"}

def _words(text: str) -> set[str]:
    return set(text.split())


# The commonest function words of each language: enough to tell nl, fr and en apart, and to
# notice when a text is none of them.
_STOPWORDS = {
    "nl": _words("""de het een en van ik je jij u uw mijn ons onze is zijn was wij we ze zij hij
        niet met voor op aan in dat die dit deze er naar om ook maar of als bij nog wel geen
        kan kunnen moet wil hebben heb heeft had wordt worden al door uit over tot hoe wat wie
        waar zo nu dan mij me hem haar hun meer veel zeer graag dank alvast omdat want zou
        ben bent zit zitten gaat doen da ni nie ge gij eens echt"""),
    "fr": _words("""le la les un une des et de du je tu il elle nous vous ils elles est sont suis
        pas ne que qui pour avec dans sur au aux ce cette ces mon ma mes ton ta son sa ses
        notre votre leur très mais ou donc car plus moins être avoir ai a fait faire peut
        comment quoi merci bonjour madame monsieur aussi bien aide besoin"""),
    "en": _words("""the a an and of to i you he she it we they is are was were be been am my
        your his her our their not no with for on in at that this these those there what who
        how can could would should will have has had do does did but or if because so very
        me him them us help thanks please about from just"""),
    "de": _words("""der die das und ist ich nicht mit sie ein eine zu auf für von wir ihr mein
        meine sich auch aber oder wenn dass bitte danke"""),
}


FUNCTION_WORDS = frozenset().union(*_STOPWORDS.values())

# Greetings and asking-words: a request made only of these says nothing about what is needed.
GENERIC_WORDS = FUNCTION_WORDS | _words("""goeiedag goedendag dag hallo hoi beste geachte
    mevrouw meneer heer bedankt dank dankjewel dankuwel alvast aub svp vraag vragen vraagje
    iemand hulp help helpen hulpvraag graag contact contacteren bellen terugbellen opbellen
    mailen mail email info informatie mogelijk mogelijkheid kunnen jullie iets wat groetjes
    groeten vriendelijke bonjour salut merci question questions quelqu quelqu'un aide aider
    contacter rappeler appeler information possible svp cordialement hello hi dear thanks
    thank question questions someone anyone help call contact information possible regards
    kind best""")


def content_words(tokens: list[str]) -> list[str]:
    """The tokens that carry meaning: not greetings, not function words, not numbers."""
    return [t for t in tokens if len(t) > 2 and t.isalpha() and t not in GENERIC_WORDS]


def normalise(text: str) -> str:
    """Lower case, no accents, URLs/addresses/numbers folded: what features are made of."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _URL.sub(" urltoken ", text)
    text = _EMAIL.sub(" emailtoken ", text)
    text = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
    return _DIGITS.sub("0", text)


def words(text: str) -> list[str]:
    """Tokens of an already normalised text."""
    return _WORD.findall(text)


def detect_language(tokens: list[str]) -> str:
    """nl, fr, en, or other: by the share of each language's function words."""
    if not tokens:
        return "other"
    hits = {lang: sum(1 for t in tokens if t in stop) for lang, stop in _STOPWORDS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    share = hits[best] / len(tokens)
    if hits[best] == 0 or best == "de" or (len(tokens) >= 8 and share < 0.08):
        return "other"
    return best


@cache
def _stemmer(language: str):  # type: ignore[no-untyped-def]
    return snowballstemmer.stemmer(STEMMERS.get(language, "dutch"))


def stems(tokens: list[str], language: str) -> list[str]:
    return _stemmer(language).stemWords(tokens)
