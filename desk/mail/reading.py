"""Reading a reply: the new text, without the quoted mail below it or the signature, and
whether it says accept or decline. Dutch, French and English mail programs.

Cutting too much loses what someone wrote; cutting too little repeats our own mail. So a line
only ends the reply when it is unmistakably the start of a quote (an attribution line such as
"Op … schreef …:", a header block such as Outlook's "Van: … / Verzonden: …", a separator such as
"-----Oorspronkelijk bericht-----") or of a signature ("-- ", "Met vriendelijke groet").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser

# An attribution line ends in its verb and a colon: "Op <datum> schreef X <adres>:",
# "Op <datum> heeft X het volgende geschreven:", "Le <date>, X a écrit :", "On <date>, X wrote:",
# Thunderbird's "X schreef op <datum>:". Gmail wraps a long one over two lines.
_ATTRIBUTION = re.compile(
    r"^\s*((op|le|on)\s.{4,200}|.{0,120})"
    r"\b(schreef( op .{4,80}| [^:]{1,200})?|geschreven|a [ée]crit|wrote)\s*:\s*$",
    re.IGNORECASE)
_ATTRIBUTION_START = re.compile(r"^\s*(op|le|on)\s.*\d", re.IGNORECASE)  # a date follows
_SEPARATOR = re.compile(
    r"^\s*((-{2,}\s*)?(oorspronkelijk bericht|original message|message d'origine|"
    r"doorgestuurd bericht|forwarded message|message transféré)(\s*-{2,})?"
    r"|_{20,})\s*$", re.IGNORECASE)  # Outlook's rule above its "From:" block
# Outlook's header block: two or more of these lines in a row start the quoted mail.
_HEADER = re.compile(r"^\s*\*?(van|from|de|verzonden|sent|envoyé|aan|to|à|onderwerp|subject|"
                     r"objet|datum|date|cc)\s*:\*?\s", re.IGNORECASE)
_SIGNATURE = re.compile(
    r"^\s*(--\s*|(met )?(vriendelijke|hartelijke|beste|warme) groet(en)?|groeten|mvg|groetjes|"
    r"bien (à vous|cordialement)|cordialement|kind regards|best regards|regards|"
    r"(verzonden|verstuurd) (vanaf|met|via) mijn .*|envoyé de mon .*|sent from my .*|"
    r"get outlook for \w+|outlook voor \w+ downloaden|obtenir outlook pour \w+)"
    r"\s*(<https?://[^>]*>)?[,.!]?\s*$",  # Outlook mobile links its footer
    re.IGNORECASE)

ACCEPT = ("aanvaard", "aanvaarden", "akkoord", "ja", "accepte", "accepté", "j'accepte",
          "accept", "accepted", "yes")
ALONE = ("ok", "oké", "okay")  # accept only when that is all the reply says
DECLINE = ("weiger", "weigeren", "geweigerd", "nee", "neen", "refuse", "refusé", "je refuse",
           "decline", "declined", "no")
_BETWEEN_WORDS = r"[\s,.:;!?\-–—]+"


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
    if message.get_content_type() == "multipart/mixed":
        # Apple Mail splits the text around an inline picture: read the text parts in order.
        parts = [p for p in message.iter_parts()
                 if p.get_content_type() == "text/plain" and not p.is_attachment()]
        if any(p is part for p in parts):
            return "".join(text if text.endswith("\n") else text + "\n"
                           for text in map(_part_text, parts))
    return _part_text(part)


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: keep what can be read
        content = part.get_payload(decode=True).decode("utf-8", errors="replace")
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_type() == "text/html":
        return _html_to_text(content)
    if (part.get_param("format") or "").lower() == "flowed":
        return _unflow(content, (part.get_param("delsp") or "").lower() == "yes")
    return content


def _unflow(text: str, delsp: bool) -> str:
    """format=flowed (RFC 3676, Thunderbird): a line ending in a space goes on in the next."""
    lines: list[str] = []
    flowing = False
    for line in text.split("\n"):
        quoted = line.startswith(">")
        if not quoted and line.startswith(" "):
            line = line[1:]  # space-stuffed
        if flowing and not quoted:
            lines[-1] = (lines[-1][:-1] if delsp else lines[-1]) + line
        else:
            lines.append(line)
        flowing = not quoted and line.endswith(" ") and line.rstrip() != "--"
    return "\n".join(lines)


class _HTMLText(HTMLParser):
    """Text as a browser lays it out: blocks and <br> break lines, other whitespace is one space.
    Leaves out quoted mail: a blockquote, Gmail's, Yahoo's or Thunderbird's quote (the text
    after it is read: bottom-posting), and all from Outlook's reply header or Outlook on the
    web's signature on."""

    BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4",
                        "h5", "h6", "hr", "pre"})
    HIDDEN = frozenset({"head", "style", "script", "title"})
    QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix")
    END_IDS = ("divrplyfwdmsg", "appendonsend", "signature")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = [""]
        self.hidden = 0
        self.quote: tuple[str, int] | None = None  # the quoting tag, how deep inside it
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self.quote:
            if tag == self.quote[0]:
                self.quote = (tag, self.quote[1] + 1)
        elif (found.get("id") or "").lower() in self.END_IDS:
            self.done = True
        elif tag == "blockquote" or any(name in (found.get("class") or "")
                                        for name in self.QUOTE_CLASSES):
            self._break()
            self.quote = (tag, 1)
        elif tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self._add_line()
        elif tag in self.BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if self.quote:
            if tag == self.quote[0]:
                self.quote = (tag, self.quote[1] - 1) if self.quote[1] > 1 else None
        elif tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.done or self.hidden or self.quote:
            return
        data = re.sub(r"[ \t\n\r\f]+", " ", data)  # not &nbsp;: a paragraph of it is a line
        if data != " " or self.lines[-1]:
            self.lines[-1] += data

    def _add_line(self) -> None:
        if not self.done:
            self.lines.append("")

    def _break(self) -> None:  # a block starts or ends: a new line, unless at the start of one
        if self.lines[-1]:
            self._add_line()


def _html_to_text(markup: str) -> str:
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    return "\n".join(line.strip() for line in parser.lines)


def _attribution(lines: list[str], index: int) -> int:
    """How many lines the attribution starting at lines[index] takes: 0, 1 or 2 (wrapped)."""
    if _ATTRIBUTION.match(lines[index]):
        return 1
    if (_ATTRIBUTION_START.match(lines[index]) and index + 1 < len(lines)
            and _ATTRIBUTION.match(lines[index].rstrip() + " " + lines[index + 1].strip())):
        return 2
    return 0


def new_text(text: str) -> str:
    """The reply above the quote and the signature (or below the quote: bottom-posting)."""
    lines = text.split("\n")
    kept: list[str] = []
    skip = 0
    for index, line in enumerate(lines):
        if skip:
            skip -= 1
            continue
        spans = 1 if line.lstrip().startswith(">") else _attribution(lines, index)
        if spans and not "".join(kept).strip():
            kept = []  # nothing written above it: the reply may follow the quote
            skip = spans - 1
            continue
        if spans or _SEPARATOR.match(line):
            break
        if _HEADER.match(line) and index + 1 < len(lines) and _HEADER.match(lines[index + 1]):
            break
        if _SIGNATURE.match(line) and kept:
            break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def read_reply(text: str) -> Reply:
    written = new_text(text)
    if written.lower().strip(" .!") in ALONE:
        return Reply(written, "accept", "")
    parts = re.split(_BETWEEN_WORDS, written.strip(), maxsplit=2)
    words = [w.lower().replace("’", "'") for w in parts[:2]]  # J’accepte: a typographic apostrophe
    for count in (2, 1):  # "je refuse" before "je"
        said = " ".join(words[:count])
        if len(words) >= count and said in ACCEPT + DECLINE:
            rest = re.split(_BETWEEN_WORDS, written.strip(), maxsplit=count)
            reason = rest[count].lstrip(" ,.:;-–—\n") if len(rest) > count else ""
            if said in ACCEPT:
                return Reply(written, "accept", "")
            return Reply(written, "decline", reason.strip())
    return Reply(written, None, "")
