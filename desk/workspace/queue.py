"""The queue: a coordinator's offers and requests, or everything for the central team;
filters, Dutch full-text search and keyset pagination (a page costs the same on page 1 and
page 1,000, and a new request arriving does not shift what "next" shows)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, or_, select, text, tuple_

from desk.accounts.models import User
from desk.classify.models import Classification
from desk.extensions import db
from desk.geo.lookup import municipalities
from desk.ids import LARGEST_ID
from desk.partners.models import Partner
from desk.requests.models import HelpRequest, Requester, make_reference, parse_reference
from desk.requests.vocabulary import KINDS, THEMES
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
# "Answer due first" sorts by the open offer's due time: for the queues that have them.
DUE_STATUSES = ("open", "offered")
DUE_SOON = timedelta(hours=24)
_NEVER = datetime(9999, 1, 1, tzinfo=UTC)  # an offer-less row sorts last by due time
RECENT = timedelta(days=14)  # a full-text search looks here first (see _text_rows)
DENSE = 5  # matches in RECENT that make walking on along the index worth it


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
        status = pick("status", ("open", "all", *STATUSES[role]), "open")
        sort = pick("sort", SORTS, "newest")
        if sort == "due" and status not in DUE_STATUSES:
            sort = "newest"  # nothing there waits for an answer; sorting it all costs seconds
        return cls(
            status=status,
            theme=pick("theme", THEMES),
            province=pick("province", {p.province_nis for p in places.values()}),
            municipality=pick("municipality", places),
            kind=pick("kind", KINDS),
            age=pick("age", (*AGES, "older")),
            crisis=args.get("crisis") in ("1", "on", "true"),
            partner=_words(args.get("partner"))[:40] if role == "admin" else "",
            q=_words(args.get("q"))[:200],
            sort=sort,
            after=(args.get("after") or "")[:200],
        )

    @property
    def narrowed(self) -> bool:
        """A filter or sort other than the default is in use (the search aside)."""
        return any(getattr(self, name) != getattr(Filters, name) for name in (
            "status", "theme", "province", "municipality", "kind", "age", "crisis", "partner",
            "sort"))

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
    care_step: str | None = None  # "reminded" or "escalated": care after acceptance is late
    first_contact_at: datetime | None = None

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
    """The cursor a page link carries; a crafted one (no time zone, a year the desk never saw,
    an id beyond the column, Infinity) is ignored: the queue starts from the top."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, id_ = json.loads(raw)
        moment = datetime.fromisoformat(at)
    except (ValueError, TypeError):
        return None
    if type(id_) is not int or not 0 < id_ <= LARGEST_ID or moment.tzinfo is None or not (
            2000 <= moment.year <= 2200):
        return None
    return moment, id_


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
               HelpRequest.care_step, HelpRequest.first_contact_at, due_key.label("due_key"))
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
        bound = tuple_(literal(at, HelpRequest.created_at.type), id_)
        query = query.where(tuple_(*order) > bound if ascending else tuple_(*order) < bound)
    if filters.sort != "due" and filters.q and _search_kind(filters.q, user) == "text":
        rows = _text_rows(query, ascending, cursor, now, page_size + 1)
    else:
        query = query.order_by(*(o.asc() if ascending else o.desc() for o in order))
        rows = db.session.execute(query.limit(page_size + 1)).all()
    page = Page()
    for row in rows[:page_size]:
        page.rows.append(Row(
            id=row.id, reference=make_reference(row.id, row.created_at), subject=row.subject,
            status=row.status, created_at=row.created_at, kind=row.kind,
            municipality_nis=row.municipality_nis, top_theme=row.top_theme,
            crisis=bool(row.crisis), due_at=row.due_at, partner=row.partner,
            care_step=row.care_step, first_contact_at=row.first_contact_at))
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
        # Crises are one in a hundred: asked of the small partial index of crises
        # (ix_classifications_crisis), not of each request's classification row.
        query = query.where(HelpRequest.id.in_(
            select(Classification.request_id).where(Classification.crisis)))
    if filters.q:
        query = query.where(_matches(filters.q, user))
    return query


def _text_rows(query: Any, ascending: bool, cursor: tuple[datetime, int] | None,
               now: datetime, limit: int) -> list[Any]:
    """A full-text search, newest first: the RECENT before the cursor first, along the
    created_at index as any page; what that leaves of the page from the older matches, which
    PostgreSQL then takes from the full-text index and sorts. Walking the whole queue along
    the index and testing each request costs a second when the matches are all long ago (a
    word of one winter), and the planner cannot see that coming. Oldest first: mirrored."""
    created = HelpRequest.created_at
    if ascending:
        start = cursor[0] if cursor else db.session.scalar(select(func.min(created)))
        if start is None:
            return []
        edge = literal(start + RECENT, created.type)
        near, far = created < edge, created >= edge
    else:
        edge = literal((cursor[0] if cursor else now) - RECENT, created.type)
        near, far = created >= edge, created < edge

    def way(column: Any) -> Any:
        return column.asc() if ascending else column.desc()

    rows = list(db.session.execute(query.where(near).order_by(way(created), way(HelpRequest.id))
                                   .limit(limit)).all())
    if len(rows) < limit:
        # Matches as frequent now as RECENT shows: walking on along the index finds the rest
        # soon. Rarer: an expression, not the column, as the sort key, so that no index gives
        # the order and PostgreSQL takes the matches from the most selective index (the
        # full-text one, or a filter's) and sorts them.
        key = created if len(rows) >= DENSE else created + literal(timedelta(0))
        rows += db.session.execute(query.where(far).order_by(way(key), way(HelpRequest.id))
                                   .limit(limit - len(rows))).all()
    return rows


def _search_kind(q: str, user: User) -> str:
    """A reference, an address (the central team's), or words: Dutch full text on
    PostgreSQL ("text"), plain text on SQLite ("like")."""
    if parse_reference(q) is not None:
        return "reference"
    if "@" in q and user.role == "admin":
        return "address"
    return "text" if db.session.get_bind().dialect.name == "postgresql" else "like"


def _matches(q: str, user: User) -> Any:
    """A reference finds its request; an address its requester; words are searched in the
    question (stemmed in Dutch on PostgreSQL: "kinderen" finds "kind")."""
    kind = _search_kind(q, user)
    if kind == "reference":
        return HelpRequest.id == parse_reference(q)[1]
    if kind == "address":
        return Requester.email == q.lower()
    if kind == "text":
        return text("help_requests.search_vector @@ websearch_to_tsquery('dutch', :q)") \
            .bindparams(q=q)
    like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(HelpRequest.subject.ilike(like, escape="\\"),
               HelpRequest.description.ilike(like, escape="\\"))
