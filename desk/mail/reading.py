"""Reading a reply: the new text, without the quoted mail below it or the signature, and
whether it says accept or decline. Dutch, French and English mail programs.

Cutting too much loses what someone wrote; cutting too little repeats our own mail. So a line
only ends the reply when it is unmistakably the start of a quote (an attribution line such as
"Op … schreef …:", a header block such as Outlook's "Van: … / Verzonden: …", a separator such as
"-----Oorspronkelijk bericht-----") or of a signature ("-- ", "Met vriendelijke groet").
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from email.message import EmailMessage

_ATTRIBUTION = re.compile(
    r"^\s*("
    r"op .{4,200}(schreef|geschreven)"                 # Gmail nl, Apple "het volgende geschreven"
    r"|le .{4,200}a [ée]crit"                          # Gmail/Apple fr
    r"|on .{4,200}wrote"                               # Gmail/Apple/Thunderbird en
    r"|.{0,120}\bschreef( op .{4,80})?\s*:\s*$"        # Thunderbird nl "X schreef op …:"
    r"|.{0,120}\ba [ée]crit\s*:\s*$"
    r"|.{0,120}\bwrote\s*:\s*$"
    r")", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*)?(oorspronkelijk bericht|original message|message d'origine|"
    r"doorgestuurd bericht|forwarded message|message transféré)(\s*-{2,})?\s*$", re.IGNORECASE)
# Outlook's header block: two or more of these lines in a row start the quoted mail.
_HEADER = re.compile(r"^\s*\*?(van|from|de|verzonden|sent|envoyé|aan|to|à|onderwerp|subject|"
                     r"objet|datum|date|cc)\s*:\*?\s", re.IGNORECASE)
_SIGNATURE = re.compile(
    r"^\s*(--\s*|met vriendelijke groet(en)?|vriendelijke groet(en)?|mvg|groetjes|"
    r"bien (à vous|cordialement)|cordialement|kind regards|best regards|regards|"
    r"(verzonden|verstuurd) (vanaf|met|via) mijn .*|envoyé de mon .*|sent from my .*)[,.!]?\s*$",
    re.IGNORECASE)

ACCEPT = ("aanvaard", "aanvaarden", "akkoord", "ja", "accepte", "accepté", "j'accepte",
          "accept", "accepted", "yes")
ALONE = ("ok", "oké", "okay")  # accept only when that is all the reply says
DECLINE = ("weiger", "weigeren", "geweigerd", "nee", "neen", "refuse", "refusé", "je refuse",
           "decline", "declined", "no")


@dataclass(frozen=True, slots=True)
class Reply:
    text: str  # what the person wrote, quotes and signature removed
    answer: str | None  # "accept", "decline" or None
    reason: str  # for a decline: the rest of the text


def body_text(message: EmailMessage) -> str:
    """The plain-text body, or the HTML one turned into text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: keep what can be read
        content = part.get_payload(decode=True).decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        content = _html_to_text(content)
    return content.replace("\r\n", "\n").replace("\r", "\n")


def _html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|head).*?</\1>", "", markup)
    # Quoted mail in HTML clients: Gmail's div, Outlook's divider, blockquotes.
    markup = re.sub(r"(?is)<(blockquote|div class=\"gmail_quote\").*", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def new_text(text: str) -> str:
    """The reply above the quote and the signature (or below the quote: bottom-posting)."""
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        quote_starts = line.lstrip().startswith(">") or bool(_ATTRIBUTION.match(line))
        if quote_starts and not "".join(kept).strip():
            kept = []  # nothing written above it: the reply may follow the quote
            continue
        if quote_starts or _SEPARATOR.match(line):
            break
        if _HEADER.match(line) and index + 1 < len(lines) and _HEADER.match(lines[index + 1]):
            break
        if _SIGNATURE.match(line) and kept:
            break
        kept.append(line)
    return "\n".join(kept).strip()


def read_reply(text: str) -> Reply:
    written = new_text(text)
    if written.lower().strip(" .!") in ALONE:
        return Reply(written, "accept", "")
    parts = re.split(r"[\s,.:;!?-]+", written.strip(), maxsplit=2)
    words = [w.lower() for w in parts[:2]]
    for count in (2, 1):  # "je refuse" before "je"
        said = " ".join(words[:count])
        if len(words) >= count and said in ACCEPT + DECLINE:
            rest = re.split(r"[\s,.:;!?-]+", written.strip(), maxsplit=count)
            reason = rest[count].lstrip(" ,.:;-\n") if len(rest) > count else ""
            if said in ACCEPT:
                return Reply(written, "accept", "")
            return Reply(written, "decline", reason.strip())
    return Reply(written, None, "")
