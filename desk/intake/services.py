"""Filing a help request: requester, request, `received` event and outbox row, one transaction.

Intake is the desk's hottest path. On PostgreSQL the four rows go in with one statement
(data-modifying CTEs) that also notifies the outbox relay, which hears it only once the
transaction commits. A single statement is atomic on its own, so it runs as its own
transaction at the web edge (file_and_commit): one round trip, one commit. Elsewhere (SQLite,
the embedded setup) four Core inserts in the session do the same.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import psycopg
from flask import current_app
from sqlalchemy import Engine, create_engine, insert

from desk.events.models import Event
from desk.extensions import db
from desk.geo.lookup import resolve
from desk.jobs import Job
from desk.outbox.relay import CHANNEL
from desk.outbox.services import enqueue
from desk.requests.keys import token_hash
from desk.requests.models import HelpRequest, Requester, make_reference
from desk.timeutil import utcnow

_requesters = Requester.__table__
_requests = HelpRequest.__table__
_events = Event.__table__

_insert_requester = insert(_requesters).returning(_requesters.c.id)
_insert_request = insert(_requests).returning(_requests.c.id)
_insert_event = insert(_events)


@dataclass(frozen=True, slots=True)
class Filed:
    id: int
    reference: str
    token: str  # the private status token; shown once, stored only as a hash


def file_request(
    data: dict[str, Any],
    *,
    source: str,
    privacy_version: str,
    api_client_id: int | None = None,
    filed_by: int | None = None,
) -> Filed:
    """Store a validated request (see HelpRequestSchema) and queue its classification, in the
    session's transaction: the caller commits. `filed_by`: the staff member who filed it for
    the person and took their consent aloud (OnBehalfSchema)."""
    row, token = _row(data, source, privacy_version, api_client_id, filed_by)
    if db.engine.dialect.name == "postgresql":
        request_id = _file_postgresql(db.session.connection(), row)
    else:
        request_id = _file_portable(row)
    return Filed(request_id, make_reference(request_id, row["now"]), token)


def file_and_commit(data: dict[str, Any], *, source: str,
                    api_client_id: int | None = None) -> Filed:
    """File and commit, at the edge of a web request.

    On PostgreSQL the one statement runs as its own transaction (one round trip, committed when
    it returns). A connection the database dropped since its last use fails before anything was
    written: then it is tried once more, on a fresh connection.
    """

    version = current_app.config["PRIVACY_VERSION"]
    if db.engine.dialect.name != "postgresql":
        filed = file_request(data, source=source, privacy_version=version,
                             api_client_id=api_client_id)
        db.session.commit()
        return filed
    row, token = _row(data, source, version, api_client_id)
    params = {**row, "event_data": json.dumps(row["event_data"])}
    engine = _intake_engine()
    for attempt in (1, 2):
        pooled = engine.raw_connection()
        try:
            # Straight to psycopg: intake is the hottest path, and one statement needs
            # none of SQLAlchemy's machinery.
            connection = pooled.driver_connection
            connection.autocommit = True
            try:
                request_id = connection.execute(_FILE_SQL, params, prepare=True).fetchone()[0]
            finally:
                if not connection.closed:
                    connection.autocommit = False
            break
        except psycopg.OperationalError:
            dropped = pooled.driver_connection.closed
            if dropped:  # the server went away: so did every pooled connection
                pooled.invalidate()
                engine.dispose()
            if attempt == 2 or not dropped:
                raise
        finally:
            pooled.close()
    return Filed(request_id, make_reference(request_id, row["now"]), token)


def _intake_engine() -> Engine:
    """Intake's own small pool, without the ping per checkout that the rest of the desk's pool
    does (a round trip on the hottest path): file_and_commit handles a dropped connection."""

    engine = current_app.extensions.get("desk.intake_engine")
    if engine is None:
        engine = create_engine(db.engine.url, pool_pre_ping=False, pool_recycle=3600,
                               pool_size=2, max_overflow=8)
        current_app.extensions["desk.intake_engine"] = engine
    return engine


def _row(data: dict[str, Any], source: str, privacy_version: str,
         api_client_id: int | None, filed_by: int | None = None) -> tuple[dict[str, Any], str]:
    place = resolve(data["postcode"])
    assert place is not None, "validated postcodes resolve"
    token = secrets.token_urlsafe(32)  # 256 bits
    row = {
        "kind": data["kind"],
        "name": data["name"],
        "organisation": data.get("organisation"),
        "email": data["email"],
        "phone": data.get("phone"),
        "reach_by": data.get("reach_by") or "email",
        "safe_contact": data.get("safe_contact"),
        "postal_address": data.get("postal_address"),
        "filed_by_id": filed_by,
        "consent_how": "verbal" if filed_by else "self",
        "subject": data["subject"],
        "description": data["description"],
        "language": data["language"],
        "source": source,
        "api_client_id": api_client_id,
        "postcode": place.postcode,
        "municipality_nis": place.nis_code,
        "province_nis": place.province_nis,
        "in_area": place.in_area,
        "status_token_hash": token_hash(token),
        "privacy_version": privacy_version,
        "now": utcnow(),
        "event_data": {"source": source, "in_area": place.in_area}
        | ({"consent": "verbal"} if filed_by else {}),
        "actor": f"user:{filed_by}" if filed_by else "requester",
    }
    return row, token


_FILE_SQL = f"""
WITH requester AS (
    INSERT INTO requesters (kind, name, organisation, email, phone, reach_by, safe_contact,
        postal_address, created_at)
    VALUES (%(kind)s, %(name)s, %(organisation)s, %(email)s, %(phone)s, %(reach_by)s,
        %(safe_contact)s, %(postal_address)s, %(now)s)
    RETURNING id
), request AS (
    INSERT INTO help_requests (requester_id, subject, description, language, status, source,
        api_client_id, filed_by_id, consent_how, postcode, municipality_nis, province_nis,
        in_area, status_token_hash, consent_at, privacy_version, created_at, updated_at)
    SELECT requester.id, %(subject)s, %(description)s, %(language)s, 'received', %(source)s,
        %(api_client_id)s, %(filed_by_id)s, %(consent_how)s, %(postcode)s,
        %(municipality_nis)s, %(province_nis)s, %(in_area)s,
        %(status_token_hash)s, %(now)s, %(privacy_version)s, %(now)s, %(now)s
    FROM requester
    RETURNING id
), event AS (
    INSERT INTO events (request_id, type, actor, public, data, created_at)
    SELECT request.id, 'received', %(actor)s, true, %(event_data)s::json, %(now)s FROM request
), outbox AS (
    INSERT INTO outbox (task, args, created_at, attempts)
    SELECT '{Job.CLASSIFY}', json_build_array(request.id), %(now)s, 0 FROM request
)
SELECT request.id, pg_notify('{CHANNEL}', '') FROM request
"""


def _file_postgresql(connection: Any, row: dict[str, Any]) -> int:
    """One round trip. (psycopg prepares the statement once it has seen it a few times on a
    connection.)"""
    params = {**row, "event_data": json.dumps(row["event_data"])}
    return connection.exec_driver_sql(_FILE_SQL, params).scalar_one()


def _file_portable(row: dict[str, Any]) -> int:
    session = db.session
    now = row["now"]
    requester_id = session.execute(
        _insert_requester,
        {key: row[key] for key in ("kind", "name", "organisation", "email", "phone", "reach_by",
                                   "safe_contact", "postal_address")}
        | {"created_at": now},
    ).scalar_one()
    request_id = session.execute(
        _insert_request,
        {
            key: row[key]
            for key in ("subject", "description", "language", "source", "api_client_id",
                        "filed_by_id", "consent_how", "postcode", "municipality_nis",
                        "province_nis", "in_area",
                        "status_token_hash", "privacy_version")
        }
        | {"requester_id": requester_id, "status": "received", "consent_at": now,
           "created_at": now, "updated_at": now},
    ).scalar_one()
    session.execute(
        _insert_event,
        {"request_id": request_id, "type": "received", "actor": row["actor"], "public": True,
         "data": row["event_data"], "created_at": now},
    )
    enqueue(Job.CLASSIFY, request_id)
    return request_id


