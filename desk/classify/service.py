"""Reading a stored request (themes, language, crisis, spam), and staff's corrections."""

from __future__ import annotations

from sqlalchemy import func, select

from desk.classify.model import Example
from desk.classify.models import Classification
from desk.classify.registry import active_model
from desk.events.models import Event
from desk.events.services import record
from desk.extensions import db
from desk.requests.models import HelpRequest, Requester
from desk.requests.vocabulary import THEMES


class ClassifyError(ValueError):
    pass


def request_text(request: HelpRequest) -> str:
    return f"{request.subject}\n{request.description}"


def read_many(request_ids: list[int]) -> tuple[dict[int, Classification],
                                               list[tuple[HelpRequest, Classification]]]:
    """Read each request once, locking the requests in id order: every request's stored
    reading, and the requests read just now with theirs (what comes of a reading, crisis,
    spam, triage or a partner, is the lifecycle's: desk/lifecycle.py). A second call reads
    nothing new."""
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
    fresh = []
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
        fresh.append((request, result))
    return results, fresh


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
    """The latest correction of each request not erased, as training examples."""
    latest = (select(Event.request_id, func.max(Event.id).label("id"))
              .where(Event.type == "themes_corrected").group_by(Event.request_id).subquery())
    rows = db.session.execute(
        select(Event.data, HelpRequest.subject, HelpRequest.description, Requester.kind)
        .join(latest, latest.c.id == Event.id)
        .join(HelpRequest, HelpRequest.id == Event.request_id)
        .join(Requester, Requester.id == HelpRequest.requester_id)
        .where(HelpRequest.erased_at.is_(None))  # an erased request teaches nothing more
    ).all()
    return [Example(text=f"{subject}\n{description}", themes=tuple(data["themes"]), kind=kind)
            for data, subject, description, kind in rows]
