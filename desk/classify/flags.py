"""Crisis and spam signals that no statistics may miss or invent.

Crisis: phrases of suicidal thoughts, violence at home, abuse of a child and acute danger, in
Dutch, French and English. Missing a crisis is far worse than a false alarm, so the phrases are
broad; a few contexts (prevention policy, training, grief, money worries said strongly) are
recognised as not a crisis. The trained crisis model adds what phrasing alone would miss.
"""

from __future__ import annotations

import re

from desk.classify.text import normalise

# Matched against normalise(text): lower case, no accents.
_CRISIS = {
    "suicide": [
        r"\bzelfmoord", r"\bsuicid", r"\bzelfdoding", r"\bsuicide",
        r"\b(niet|nie|ni) meer (willen |wil )?(leven|verder)", r"\bwil (niet|ni|nie) meer leven",
        r"\b(er|d'r) (een )?(eind|einde) aan (maken|te maken|maak)", r"\bmezelf (iets )?aan ?doen",
        r"\bmezelf van kant", r"\buit het leven (stappen|gaan)", r"\bdood (willen|wil) zijn",
        r"\bwil(de)? (er )?niet meer zijn\b", r"\bliever dood", r"\bniet meer wakker (worden|word)",
        r"\bpillen (verzameld|gespaard|opgespaard)", r"\bvan (de|een) brug (springen|spring)",
        r"\bvoor de trein (springen|spring|lopen)", r"\bafscheidsbrief",
        r"\ben finir\b", r"\bme tuer\b", r"\bmettre fin a (ma|mes) (vie|jours)",
        r"\bplus envie de vivre", r"\bne (veux|veut) plus vivre", r"\bpas envie de vivre",
        r"\bkill (myself|himself|herself)", r"\bend (my|his|her) life", r"\bend it all\b",
        r"\b(don'?t|do not|doesn'?t) want to (live|be alive|be here)",
        r"\bbetter off dead", r"\btake my (own )?life", r"\bhurt(ing)? myself",
        r"\bself[- ]harm", r"\bsnijdt (zich|zichzelf)", r"\bautomutil",
        r"\bbeter (af )?(zonder mij|als ik er niet (meer )?(ben|was|zou zijn))",
        r"\bbeter (zou zijn|is|was) als (ik|hij|zij|ze|we|wij) er niet (meer )?(was|waren|ben|is)",
        r"\bgeen zin meer (in|om te|om) (leven|verder)", r"\bleven heeft geen zin( meer)?",
        r"\b(armen|polsen|benen|arm|pols) (gesneden|snijden|opengesneden)",
        r"\bsnij(d|den)? (mezelf|me|mij|zichzelf)", r"\bin (mijn|m'n|haar|zijn) (armen|polsen) "
        r"(gesneden|snijden)", r"\b(touw|koord|strop) (gekocht|klaar)", r"\bophangen\b",
        r"\b(samen|allebei|met hem|met haar) (uit het leven|eruit|er uit) (stappen|gaan)",
        r"\b(alles|mijn spullen|spullen) (weggeven|weggegeven|weg te geven)",
        r"\bmieux (sans moi|si je n'?etais (plus )?la)", r"\bplus (d'|de )?(interet|raison|sens)"
        r" (a|de) (vivre|continuer)", r"\bne vois plus l'?interet",
        r"\ba quoi bon (vivre|continuer)", r"\b(er )?samen (er )?uit (te )?stap",
        r"\bscarifi", r"\bme (suis )?coupe",
        r"\bsauter (du|de la|d'un|d'une|par la)",
        r"\blettre d'?adieu", r"\bbetter off without me", r"\bno (point|reason) (in )?(living|"
        r"going on|to live)", r"\bcut(ting)? (myself|my arms|my wrists)", r"\bgoodbye letter",
        r"\bgive away (my|all my) (things|stuff|belongings)",
        r"\biedereen beter (af|zou zijn|is)", r"\bgeen reden meer (om|to)",
        r"\ber\b.{0,30}\been (eind|einde) aan\b", r"\bno reason (left )?to (live|get up)",
        r"\bplus (aucune )?raison de (vivre|me lever)",
    ],
    "violence": [
        r"\b(slaat|sloeg|schopt|schopte|wurgt|wurgde|mishandelt|mishandelde) "
        r"(me|mij|mijn|ons|haar|hem)\b",
        r"\b(hij|zij|ze|man|vriend|vader|partner|ex) (slaat|sloeg|schopt|duwt|wurgt)",
        r"\bpartnergeweld", r"\bhuiselijk geweld", r"\bintrafamiliaal geweld",
        r"\bbang voor (mijn|m'n|onze) (man|vrouw|partner|vriend|ex|vader|zoon)",
        r"\bbedreigt (me|mij|ons|haar)",
        r"\bdreigt (me|mij|haar|ons) (te )?(vermoorden|doden|iets aan te doen)",
        r"\bmet (een|nen) mes", r"\bblauwe plekken",
        r"\bme (frappe|bat|battait|frappait)", r"\bviolences? conjugale", r"\bviolence domestique",
        r"\bmenace de (me|nous) tuer", r"\bpeur de mon (mari|compagnon|ex)",
        r"\b(hits|beats|hit|beat|chokes|choked|kicks) me\b", r"\bdomestic (violence|abuse)",
        r"\bthreaten(s|ed)? to kill", r"\bafraid (of|for) my (husband|partner|boyfriend|life)",
    ],
    "child": [
        r"\bmisbruik", r"\baan (haar|hem|mij|me) (zit|zat|zitten)", r"\bbetast",
        r"\bseksueel (misbruik|grensoverschrijdend)", r"\bkindermishandeling",
        r"\b(slaat|sloeg) (de|het|mijn|onze|zijn|haar) (kind|kinderen|dochter|zoon|kleine)",
        r"\babus sexuel", r"\battouchement", r"\bmaltraitance",
        r"\bbat (mon|ma|les|ses) (enfant|fils|fille)",
        r"\b(sexual|child) abuse", r"\btouch(es|ed|ing) (her|him|me) at night", r"\bmolest",
        r"\bkind (alleen|allen) (thuis )?gelaten", r"\benfants? seuls?\b.*\b(jours|nuit)",
        r"\balleen (thuis )?(gelaten|achtergelaten|opgesloten)", r"\bopgesloten (in|op)",
        r"\b(dagen|nachten) (alleen|zonder (eten|ouders|toezicht))",
        r"\benferme(e|s|es)? (dans|a la maison|depuis|seule?s?)",
        r"\blaisse(e|es|s|nt)? seule?s?\b",
        r"\b(leave|leaves|left) (their|his|her|the) (\w+ )?(kids|children|child|baby|son|"
        r"daughter) (\w+ ){0,6}alone",
        r"\b(left|locked) (alone|in|up)\b.{0,30}\b(days|nights|child|kid|baby)",
        r"\b(grooming|lokt|lokken)\b",
    ],
    "danger": [
        r"\bacuut gevaar", r"\bin (direct|acuut|levens)gevaar", r"\blevensgevaar",
        r"(?<!pas )\ben danger\b", r"\bdanger immediat", r"\bin (immediate )?danger\b",
        r"\bwapen\b", r"\bgeweer\b", r"\bune arme\b", r"\ba (gun|knife|weapon)\b",
        r"\bgevallen\b.{0,60}\bniet (meer )?recht", r"\b(will|gonna|going to) hurt (me|her|him|us)",
        r"\b(pijn|kwaad) (aan )?(doen|te doen)\b", r"\bva (me|nous) (tuer|frapper)",
    ],
}

# Contexts that speak about a crisis without being one: a plan, a training, a policy.
_NOT_CRISIS = [
    r"preventie", r"prevention", r"\bbeleid", r"actieplan", r"\bvorming", r"\bopleid",
    r"\btraining", r"\bworkshop", r"\bsensibilis", r"\bcampagne", r"\bformation\b",
    r"\bpolitique\b", r"\bpolicy\b", r"\bsignalen (van|herkennen)", r"\bgemeenteraad",
    r"\bschepen\b",
]

_SPAM = [
    r"\bcrypto", r"\bbitcoin", r"\bforex\b", r"\bcasino", r"\bviagra", r"\bcialis",
    r"\blening zonder", r"\bsnelle lening", r"\bkrediet zonder", r"\bpret (rapide|sans)",
    r"\bloan(s)? (approved|without|with no)", r"\bseo\b", r"\bbacklink", r"\bdating\b",
    r"\bescort", r"\bsexy\b", r"\bsingles? in (je|your|uw)", r"\bclick here\b", r"\bklik hier\b",
    r"\bcliquez ici\b", r"\bgewonnen\b.*\b(prijs|iphone|euro)", r"\byou (have )?won\b",
    r"\bguaranteed (income|profit|returns)", r"\bverdien .{0,20}per (dag|week)",
    r"\bgagnez\b", r"\bmake money", r"\bunsubscribe\b", r"\bwhatsapp\s*\+?0",
]



def _top_level_alternatives(pattern: str) -> bool:
    depth, escaped = 0, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


class _Phrase:
    """A pattern with the literal text any match must contain: most texts lack that literal,
    and a substring test is far cheaper than a regular-expression search."""

    __slots__ = ("literal", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)
        literal = re.match(r"(?:\\b)?([^.*+?()\[\]{}|\\^$]*)(.?)", pattern)
        text, stop = literal.group(1), literal.group(2)
        if stop in ("?", "*", "{"):  # the last character is optional
            text = text[:-1]
        if _top_level_alternatives(pattern):  # "a|b": no single literal is required
            text = ""
        self.literal = text if len(text) >= 3 else ""

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.literal in text else None


_crisis = {kind: [_Phrase(p) for p in patterns] for kind, patterns in _CRISIS.items()}
_not_crisis = [_Phrase(p) for p in _NOT_CRISIS]
_spam = [_Phrase(p) for p in _SPAM]
_VOWELS = set("aeiouy")


def crisis_signals(text: str) -> list[tuple[str, str]]:
    """(kind, phrase) for every crisis phrase found, unless the text is about prevention or
    training rather than a person in danger."""
    plain = normalise(text)
    found = [(kind, m.group(0).strip()) for kind, patterns in _crisis.items()
             for p in patterns for m in [p.search(plain)] if m]
    if found and any(p.search(plain) for p in _not_crisis):
        # "I want to die" outweighs "training" in the same text: personal first-person
        # suicide phrases stay a crisis; the rest counts as talk about the subject.
        personal = [f for f in found if f[0] == "suicide" and not f[1].startswith(("zelfmoord",
                    "suicid", "zelfdoding", "self"))]
        return personal
    return found


def spam_signals(text: str, tokens: list[str]) -> list[str]:
    plain = normalise(text)
    found = [m.group(0).strip() for p in _spam for m in [p.search(plain)] if m]
    if tokens and looks_like_gibberish(tokens):
        found.append("gibberish")
    if plain.count("urltoken") >= 2:
        found.append("links")
    return found


def looks_like_gibberish(tokens: list[str]) -> bool:
    """Keyboard mashing: words without vowels, or long runs of consonants, most of the text."""
    letters = [t for t in tokens if t.isalpha()]
    if len(letters) < 2:
        return False
    odd = 0
    for token in letters:
        vowels = sum(1 for c in token if c in _VOWELS)
        longest = max((len(run) for run in re.split(r"[aeiouy]+", token)), default=0)
        if vowels == 0 and len(token) > 2 or longest >= 5 or (
                len(token) >= 6 and len(set(token)) <= 2):
            odd += 1
    return odd / len(letters) >= 0.4
