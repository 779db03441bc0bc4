"""Every answer carries a request id that its log lines carry too; JSON lines for a collector;
never an e-mail address in a log line."""

from __future__ import annotations

import json
import logging

from desk.logs import JsonLines, Masked, RequestId


def test_each_answer_has_a_request_id_and_a_proxys_sane_one_is_kept(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz").headers["X-Request-ID"] != made
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345"})
    assert kept.headers["X-Request-ID"] == "proxy-abc-12345"
    odd = client.get("/healthz", headers={"X-Request-ID": "not sane; at all"})
    assert odd.headers["X-Request-ID"] != "not sane; at all"


def test_log_lines_as_json_with_the_request_id_and_no_address(app):
    record = logging.LogRecord("desk.mail", logging.WARNING, __file__, 1,
                               "no mail to %s: %s", ("maria.peeters@example.org", "550"), None)
    with app.test_request_context(headers={"X-Request-ID": "req-1234567890"}):
        app.preprocess_request()
        RequestId().filter(record)
    line = json.loads(JsonLines().format(record))
    assert line["request_id"] == "req-1234567890" and line["level"] == "WARNING"
    assert line["message"] == "no mail to <address>: 550"
    assert "maria" not in Masked("%(message)s").format(record)
