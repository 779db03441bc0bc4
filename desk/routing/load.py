"""Partner load (open offers + accepted requests): changed at commit, in partner order.

Routing decides on the loads it read, notes each place taken or given back in the session,
and the changes are written just before the transaction commits, partner by partner in id
order. Two workers routing at once therefore always lock partner rows in the same order (no
deadlock), and hold those locks only for the commit itself. A place taken beyond a partner's
capacity (another worker got there first) fails the commit; the task runs again on fresh loads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from desk.extensions import db
from desk.partners.models import Partner
from desk.requests.models import HelpRequest
from desk.requests.status import HELD
from desk.writebehind import gathered, peek, writes

_KEY = "desk.partner_load"
T = TypeVar("T")


class PartnerFull(Exception):
    """A partner filled up while this transaction routed to it; run the routing again."""


def committed(work: Callable[[], T], tries: int = 3) -> T:
    """Run `work` and commit it. Should a partner it routed to fill up at that very moment
    (PartnerFull at commit), roll back and run it again, on fresh loads, up to `tries` times.
    Whatever else `work` raises is the caller's to answer (and roll back)."""
    for attempt in range(1, tries + 1):
        try:
            result = work()
            db.session.commit()
            return result
        except PartnerFull:
            db.session.rollback()
            if attempt == tries:
                raise
    raise AssertionError("unreachable")


def _ledger() -> dict[int, list[int]]:
    return gathered(_KEY, dict)  # partner id -> [delta, forced places]


def take(partner_id: int, *, beyond_capacity: bool = False) -> None:
    entry = _ledger().setdefault(partner_id, [0, 0])
    entry[0] += 1
    entry[1] += beyond_capacity


def give(partner_id: int | None) -> None:
    if partner_id is not None:
        _ledger().setdefault(partner_id, [0, 0])[0] -= 1


def pending() -> dict[int, int]:
    """This transaction's changes not yet written, per partner."""
    return {pid: delta for pid, (delta, _) in (peek(_KEY) or {}).items()}


@writes(_KEY, at_flush=False)
def _write(session: Session, ledger: dict[int, list[int]]) -> None:
    ledger = {pid: entry for pid, entry in ledger.items() if entry[0]}
    if not ledger:
        return
    ids = sorted(ledger)
    # Lock the rows in id order first, then change them all in one statement. NO KEY UPDATE:
    # the load is no key, so offers and requests that refer to the partner don't block it.
    session.execute(select(Partner.id).where(Partner.id.in_(ids)).order_by(Partner.id)
                    .with_for_update(key_share=True))
    delta = case({pid: ledger[pid][0] for pid in ids}, value=Partner.id)
    # Only places routing chose count against capacity; the central team may exceed it.
    counted = case({pid: max(ledger[pid][0] - ledger[pid][1], 0) for pid in ids},
                   value=Partner.id)
    written = session.execute(
        update(Partner).where(Partner.id.in_(ids),
                              or_(counted == 0, Partner.load + counted <= Partner.capacity))
        .values(load=case((Partner.load + delta < 0, 0), else_=Partner.load + delta))
        .returning(Partner.id)).scalars().all()
    if len(written) != len(ids):
        raise PartnerFull(sorted(set(ids) - set(written)))


def recount(*, fix: bool = False) -> dict[str, tuple[int, int]]:
    """Partners whose stored load differs from the requests they hold: slug -> (stored, held).

    With `fix` the stored load is set to the count, under the same row locks routing takes at
    commit: a transaction still routing applies its change on top of the corrected value, and
    its requests only become visible when it does, so nothing is counted twice or missed.
    """
    partners = db.session.execute(
        select(Partner.id, Partner.slug, Partner.load).order_by(Partner.id)
        .with_for_update(key_share=True)).all()
    held = dict(db.session.execute(
        select(HelpRequest.partner_id, func.count())
        .where(HelpRequest.status.in_(sorted(HELD)),
               HelpRequest.partner_id.is_not(None))
        .group_by(HelpRequest.partner_id)).all())
    wrong = {slug: (stored, held.get(pid, 0)) for pid, slug, stored in partners
             if stored != held.get(pid, 0)}
    if fix:
        for pid, slug, _ in partners:
            if slug in wrong:
                db.session.execute(update(Partner).where(Partner.id == pid)
                                   .values(load=wrong[slug][1]))
    return wrong
