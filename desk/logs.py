"""Logging: every line carries the web request's id (X-Request-ID, taken from a proxy when it
sends a sane one, else made here, and given back in the answer); with LOG_FORMAT=json each
line is one JSON object for a log collector. A line never carries an e-mail address: one that
slipped into a message is masked."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

_SANE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_ADDRESS = re.compile(r"[^\s<>\"'@]+@[^\s<>\"'@]+\.[A-Za-z]{2,}")


class RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC)
        line = {"at": at.isoformat(timespec="milliseconds"), "level": record.levelname,
                "logger": record.name,
                "message": _ADDRESS.sub("<address>", record.getMessage()),
                "request_id": getattr(record, "request_id", None)}
        if record.exc_info:
            line["error"] = _ADDRESS.sub("<address>", self.formatException(
                record.exc_info).splitlines()[-1])
        return json.dumps(line, ensure_ascii=False)


class Masked(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return _ADDRESS.sub("<address>", super().format(record))


def init_logging(app: Flask) -> None:
    """Our handler on the root logger, once per process (an app made again keeps it)."""
    root = logging.getLogger()
    if not any(getattr(h, "desk", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.desk = True  # type: ignore[attr-defined]
        handler.addFilter(RequestId())
        handler.setFormatter(JsonLines() if app.config["LOG_FORMAT"] == "json" else Masked(
            "%(levelname)s:%(name)s:%(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)

    @app.before_request
    def _request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _SANE.match(given) else uuid.uuid4().hex

    @app.after_request
    def _give_back(response):  # type: ignore[no-untyped-def]
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response
