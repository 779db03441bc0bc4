"""Classifying a stored request, and what staff do with the result."""

from __future__ import annotations

from sqlalchemy import func, select

from desk.classify.model import THEMES, Example
from desk.classify.models import Classification
from desk.classify.registry import active_model
from desk.events.models import Event
from desk.events.services import record
from desk.extensions import db
from desk.jobs import Job
from desk.notify.services import notify
from desk.outbox.services import enqueue
from desk.requests.models import HelpRequest, Requester
from desk.requests.status import Status, move
from desk.routing.offers import let_go, route_locked


class ClassifyError(ValueError):
    pass


def request_text(request: HelpRequest) -> str:
    return f"{request.subject}\n{request.description}"


def classify(request_id: int) -> Classification | None:
    return classify_many([request_id]).get(request_id)


def classify_many(request_ids: list[int]) -> dict[int, Classification]:
    """Classify each request once: a second call returns the stored result, changes nothing.

    crisis → needs_triage (never a partner first); spam → held as spam; low confidence →
    needs_triage with the reason; otherwise classified and routed at once.
    A batch (the relay packs ids) locks its requests in id order and writes in one go.
    """
    requests = db.session.scalars(
        select(HelpRequest).where(HelpRequest.id.in_(request_ids)).order_by(HelpRequest.id)
        .with_for_update().execution_options(populate_existing=True)).all()
    results = {c.request_id: c for c in db.session.scalars(
        select(Classification).where(Classification.request_id.in_(request_ids)))}
    todo = [r for r in requests if r.id not in results]
    kinds = dict(db.session.execute(
        select(Requester.id, Requester.kind)
        .where(Requester.id.in_({r.requester_id for r in todo}))).all()) if todo else {}
    model = active_model()
    routed = []
    for request in todo:
        prediction = model.predict(request_text(request), kinds.get(request.requester_id))
        result = Classification(
            request_id=request.id,
            themes=[{"theme": t, "score": round(s, 4)} for t, s in prediction.themes],
            top_theme=prediction.themes[0][0], language=prediction.language,
            crisis=prediction.crisis, spam=prediction.spam,
            needs_triage=prediction.needs_triage, reason=prediction.reason,
            explanation=prediction.explanation, model_version=prediction.model_version,
            crisis_reading=prediction.crisis_reading.as_json() if prediction.crisis else None,
        )
        db.session.add(result)
        results[request.id] = result
        if request.status == "received":  # withdrawn meanwhile: keep the reading, not the move
            if prediction.crisis:
                move(request, Status.NEEDS_TRIAGE)
                request.triage_reason = prediction.reason or "crisis"
                notify(request, "crisis", "central", language="nl",
                       data={"reason": request.triage_reason})
            elif prediction.spam:
                move(request, Status.SPAM)
            elif prediction.needs_triage:
                move(request, Status.NEEDS_TRIAGE)
                request.triage_reason = prediction.reason
                notify(request, "needs_triage", "central", "classified", language="nl",
                       data={"reason": prediction.reason})
            else:
                move(request, Status.CLASSIFIED)
                routed.append(request)
            if not prediction.spam:  # no mail to what may be a forged address
                send_receipt(request, crisis=prediction.crisis)
        record(request, "classified", "system", public=not prediction.spam, data={
            "top_theme": result.top_theme, "crisis": result.crisis, "spam": result.spam,
            "needs_triage": result.needs_triage, "reason": result.reason,
            "model_version": result.model_version,
        })
    # A clear request goes on to a partner in the same transaction: one message and one
    # commit from filed to offered. (Routing is also a task of its own, for what comes back
    # later: a request restored from spam, a partner's decline, an override.)
    route_locked(routed, {r.id: results[r.id].themes for r in routed})
    return results


def hand_to_routing(request: HelpRequest) -> None:
    enqueue(Job.ROUTE, request.id)


def restore_from_spam(request: HelpRequest, actor: str) -> None:
    """The central team's "not spam": the request goes on to routing."""
    if request.status != "spam":
        raise ClassifyError(f"{request.reference} is not held as spam (status {request.status})")
    move(request, Status.CLASSIFIED)
    hand_to_routing(request)
    record(request, "spam_restored", actor)
    send_receipt(request, crisis=False)


def send_receipt(request: HelpRequest, *, crisis: bool) -> None:
    """The requester's confirmation, with the reference and the status link (and the help
    lines for a crisis): sent once the request is read, so never to a spammer's victim."""
    notify(request, "receipt", "requester", data={"crisis": crisis})


def mark_spam(request: HelpRequest, actor: str) -> None:
    if request.status in ("resolved", "closed", "withdrawn", "spam"):
        raise ClassifyError(f"{request.reference} cannot be marked as spam now")
    let_go(request, actor, "marked as spam")
    move(request, Status.SPAM)
    record(request, "marked_spam", actor)


def correct_themes(request: HelpRequest, themes: list[str], actor: str) -> None:
    """A coordinator's or the central team's correction: an event, and a training example."""
    if not themes or any(t not in THEMES for t in themes) or len(set(themes)) != len(themes):
        raise ClassifyError(f"themes must be distinct slugs of: {', '.join(THEMES)}")
    record(request, "themes_corrected", actor, data={"themes": themes[:3]})
    classification = db.session.scalar(
        select(Classification).where(Classification.request_id == request.id))
    if classification is not None:  # the queue's theme filter follows the person's judgement
        classification.top_theme = themes[0]


def corrections() -> list[Example]:
    """The latest correction of each request, as training examples."""
    latest = (select(Event.request_id, func.max(Event.id).label("id"))
              .where(Event.type == "themes_corrected").group_by(Event.request_id).subquery())
    rows = db.session.execute(
        select(Event.data, HelpRequest.subject, HelpRequest.description, Requester.kind)
        .join(latest, latest.c.id == Event.id)
        .join(HelpRequest, HelpRequest.id == Event.request_id)
        .join(Requester, Requester.id == HelpRequest.requester_id)
    ).all()
    return [Example(text=f"{subject}\n{description}", themes=tuple(data["themes"]), kind=kind)
            for data, subject, description, kind in rows]
