"""Filing has two paths: one SQL statement on PostgreSQL (the hottest path) and the portable one
(SQLite, the embedded setup). They must write the same rows, or the two setups drift apart."""

from __future__ import annotations

from sqlalchemy import text

from desk.extensions import db
from desk.intake import services
from desk.intake.schemas import HelpRequestSchema
from tests.conftest import api_body

# What may differ between the two filings: keys, the private token, and what points at them.
DIFFERENT = {"id", "requester_id", "request_id", "status_token_hash"}


def written(request_id: int) -> dict[str, object]:
    """Every row a filing wrote, as dicts without what must differ."""
    def rows(sql: str) -> list[dict[str, object]]:
        return [{k: v for k, v in row._mapping.items() if k not in DIFFERENT}
                for row in db.session.execute(text(sql), {"id": request_id})]

    return {
        "request": rows("SELECT * FROM help_requests WHERE id = :id"),
        "requester": rows("SELECT q.* FROM requesters q JOIN help_requests r"
                          " ON r.requester_id = q.id WHERE r.id = :id"),
        "events": rows("SELECT * FROM events WHERE request_id = :id"),
        # (the portable path stamps the outbox row when it queues it, microseconds later)
        "outbox": [{**row, "args": None, "created_at": None} for row in rows(
            "SELECT * FROM outbox WHERE args::jsonb = jsonb_build_array(:id)")],
    }


def test_the_postgresql_statement_and_the_portable_path_write_the_same_rows(app):
    data = HelpRequestSchema().load(api_body(organisation="Buurtwerk 't Pleintje"))
    row, _ = services._row(data, "api", "2026-11", None)
    fast = services._file_postgresql(db.session.connection(), row)
    row["status_token_hash"] = "0" * 64  # unique per request
    portable = services._file_portable(row)
    db.session.flush()

    assert db.engine.dialect.name == "postgresql"
    one, other = written(fast), written(portable)
    assert one["request"] and one["requester"] and one["events"] and one["outbox"]
    assert one == other
    db.session.rollback()
