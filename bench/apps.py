"""The two reference apps that bench/intake.py measures the desk against.

`bare()`: a Flask app whose POST parses the JSON body and answers 201, touching no database:
the ceiling of Flask + gunicorn on this machine. `naive()`: the textbook Flask-SQLAlchemy
version of "store what was posted": one ORM object added, commit, return its id (which
reloads the row after the commit). It writes to its own table, bench_naive, in the same
throwaway database (DATABASE_URL).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, String, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PATH = "/api/v1/requests"


def bare() -> Flask:
    app = Flask("bench_bare")

    @app.post(PATH)
    def create():  # type: ignore[no-untyped-def]
        body = request.get_json()
        return {"status": "received", "subject": body["subject"]}, 201

    return app


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Note(db.Model):
    __tablename__ = "bench_naive"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    postcode: Mapped[str] = mapped_column(String(4))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


FIELDS = ("kind", "name", "email", "phone", "postcode", "subject", "description", "language")


def naive() -> Flask:
    app = Flask("bench_naive")
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db.init_app(app)

    @app.post(PATH)
    def create():  # type: ignore[no-untyped-def]
        body = request.get_json()
        note = Note(**{name: body.get(name) for name in FIELDS}, created_at=datetime.now(UTC))
        db.session.add(note)
        db.session.commit()
        return {"id": note.id, "status": "received"}, 201

    return app


def create_schema(url: str) -> None:
    """Create bench_naive (once, from the bench script, before any worker starts)."""
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
