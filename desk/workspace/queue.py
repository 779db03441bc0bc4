"""The queue: a coordinator's offers and requests, or everything for the central team;
filters, Dutch full-text search and keyset pagination (a page costs the same on page 1 and
page 1,000, and a new request arriving does not shift what "next" shows)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, or_, select, text, tuple_

from desk.accounts.models import User
from desk.classify.model import THEMES
from desk.classify.models import Classification
from desk.extensions import db
from desk.geo.lookup import municipalities
from desk.intake.models import KINDS, HelpRequest, Requester, make_reference, parse_reference
from desk.partners.models import Partner
from desk.routing.models import Offer
from desk.timeutil import utc, utcnow

PAGE = 25
# What "open" means: still needs someone's work.
OPEN = {"coordinator": ("offered", "accepted", "waiting"),
        "admin": ("received", "classified", "needs_triage", "offered", "accepted", "waiting")}
STATUSES = {"coordinator": ("offered", "accepted", "waiting", "resolved"),
            "admin": ("received", "classified", "needs_triage", "spam", "offered", "accepted",
                      "waiting", "resolved", "closed", "withdrawn")}
AGES = {"1": timedelta(days=1), "7": timedelta(days=7), "30": timedelta(days=30)}
SORTS = ("newest", "oldest", "due")
DUE_SOON = timedelta(hours=24)
_NEVER = datetime(9999, 1, 1)  # an offer-less row sorts last by due time


@dataclass(frozen=True)
class Filters:
    status: str = "open"
    theme: str = ""
    province: str = ""
    municipality: str = ""
    kind: str = ""
    age: str = ""  # "1", "7", "30": filed within so many days; "older": more than 30 ago
    crisis: bool = False
    partner: str = ""  # the central team: one partner's (slug)
    q: str = ""
    sort: str = "newest"
    after: str = ""  # the keyset cursor of the page before

    @classmethod
    def from_args(cls, args: Any, user: User) -> Filters:
        """From the query string; anything unknown falls back to its default."""
        def pick(name: str, allowed: Any, default: str = "") -> str:
            value = (args.get(name) or "").strip()
            return value if value in allowed else default

        role = user.role
        places = municipalities()
        return cls(
            status=pick("status", ("open", "all", *STATUSES[role]), "open"),
            theme=pick("theme", THEMES),
            province=pick("province", {p.province_nis for p in places.values()}),
            municipality=pick("municipality", places),
            kind=pick("kind", KINDS),
            age=pick("age", (*AGES, "older")),
            crisis=args.get("crisis") in ("1", "on", "true"),
            partner=_words(args.get("partner"))[:40] if role == "admin" else "",
            q=_words(args.get("q"))[:200],
            sort=pick("sort", SORTS, "newest"),
            after=(args.get("after") or "")[:200],
        )

    def args(self, **changes: Any) -> dict[str, str]:
        """The query string for these filters (with changes), leaving out the defaults."""
        values = replace(self, **changes)
        out = {k: str(v) for k, v in vars(values).items()
               if v and v != getattr(Filters, k, None)}
        if values.crisis:
            out["crisis"] = "1"
        return out


def _words(value: str | None) -> str:
    """Typed text as words: control characters (a NUL PostgreSQL refuses) become spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in value or "").split())


@dataclass
class Row:
    id: int
    reference: str
    subject: str
    status: str
    created_at: datetime
    kind: str
    municipality_nis: str | None
    top_theme: str | None
    crisis: bool
    due_at: datetime | None
    partner: str | None

    @property
    def due(self) -> str:
        """"overdue", "soon" (within a day) or "" for an open offer's due time."""
        if self.due_at is None or self.status != "offered":
            return ""
        now = utcnow()
        due = utc(self.due_at)
        return "overdue" if due <= now else "soon" if due - now <= DUE_SOON else ""


@dataclass
class Page:
    rows: list[Row] = field(default_factory=list)
    next_after: str = ""  # the cursor of the next page, "" on the last


def _cursor(sort: str, row: Any) -> str:
    key = row.due_key if sort == "due" else row.created_at
    raw = json.dumps([utc(key).isoformat() if key.tzinfo else key.isoformat(), row.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, id_ = json.loads(raw)
        return datetime.fromisoformat(at), int(id_)
    except (ValueError, TypeError):
        return None


def search(user: User, filters: Filters, *, now: datetime | None = None,
           page_size: int = PAGE) -> Page:
    now = now or utcnow()
    open_offer = (select(Offer.request_id, Offer.due_at)
                  .where(Offer.status == "offered").subquery("open_offer"))
    due_key = func.coalesce(open_offer.c.due_at, literal(_NEVER, HelpRequest.created_at.type))
    query = (
        select(HelpRequest.id, HelpRequest.created_at, HelpRequest.subject, HelpRequest.status,
               HelpRequest.municipality_nis, Requester.kind, Classification.top_theme,
               Classification.crisis, open_offer.c.due_at, Partner.name.label("partner"),
               due_key.label("due_key"))
        .join(Requester, Requester.id == HelpRequest.requester_id)
        .outerjoin(Classification, Classification.request_id == HelpRequest.id)
        .outerjoin(open_offer, open_offer.c.request_id == HelpRequest.id)
        .outerjoin(Partner, Partner.id == HelpRequest.partner_id)
    )
    if user.role != "admin":
        query = query.where(HelpRequest.partner_id == user.partner_id)
    elif filters.partner:
        query = query.where(Partner.slug == filters.partner)
    query = _filter(query, user, filters, now)

    if filters.sort == "due":
        order = (due_key, HelpRequest.id)
        ascending = True
    else:
        order = (HelpRequest.created_at, HelpRequest.id)
        ascending = filters.sort == "oldest"
    cursor = _read_cursor(filters.after) if filters.after else None
    if cursor is not None:
        at, id_ = cursor
        after = tuple_(*order) > tuple_(literal(at, HelpRequest.created_at.type), id_) \
            if ascending else tuple_(*order) < tuple_(literal(at, HelpRequest.created_at.type), id_)
        query = query.where(after)
    query = query.order_by(*(o.asc() if ascending else o.desc() for o in order))
    rows = db.session.execute(query.limit(page_size + 1)).all()
    page = Page()
    for row in rows[:page_size]:
        page.rows.append(Row(
            id=row.id, reference=make_reference(row.id, row.created_at), subject=row.subject,
            status=row.status, created_at=row.created_at, kind=row.kind,
            municipality_nis=row.municipality_nis, top_theme=row.top_theme,
            crisis=bool(row.crisis), due_at=row.due_at, partner=row.partner))
    if len(rows) > page_size:
        page.next_after = _cursor(filters.sort, rows[page_size - 1])
    return page


def _filter(query: Any, user: User, filters: Filters, now: datetime) -> Any:
    if filters.status == "open":
        query = query.where(HelpRequest.status.in_(OPEN[user.role]))
    elif filters.status != "all":
        query = query.where(HelpRequest.status == filters.status)
    if filters.theme:
        query = query.where(Classification.top_theme == filters.theme)
    if filters.municipality:
        query = query.where(HelpRequest.municipality_nis == filters.municipality)
    elif filters.province:
        query = query.where(HelpRequest.province_nis == filters.province)
    if filters.kind:
        query = query.where(Requester.kind == filters.kind)
    if filters.age in AGES:
        query = query.where(HelpRequest.created_at >= now - AGES[filters.age])
    elif filters.age == "older":
        query = query.where(HelpRequest.created_at < now - AGES["30"])
    if filters.crisis:
        query = query.where(Classification.crisis.is_(True))
    if filters.q:
        query = query.where(_matches(filters.q, user))
    return query


def _matches(q: str, user: User) -> Any:
    """A reference finds its request; an address (central team) its requester; anything else
    is searched in the question, in Dutch on PostgreSQL (stemmed: "kinderen" finds "kind"),
    as plain text on SQLite."""
    reference = parse_reference(q)
    if reference is not None:
        return HelpRequest.id == reference[1]
    if "@" in q and user.role == "admin":
        return Requester.email == q.lower()
    if db.session.get_bind().dialect.name == "postgresql":
        return text("help_requests.search_vector @@ websearch_to_tsquery('dutch', :q)") \
            .bindparams(q=q)
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(HelpRequest.subject.ilike(like, escape="\\"),
               HelpRequest.description.ilike(like, escape="\\"))
