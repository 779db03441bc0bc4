"""Retention over many requests: how long anonymising 100,000 ended requests takes, and whether
filing goes on meanwhile.

`.venv/bin/python bench/retention.py [COUNT]` (also part of `make bench`).

Setup: a throwaway PostgreSQL database (bench_<random>, `flask db upgrade` + `flask desk seed`)
holding COUNT (100,000) requests that were resolved three years ago, each with its requester,
reading, four events with words (filed, read, a message, resolved), two sent mails and a
published outbox row, written in bulk by SQL. Then `retention.run()` — the beat task's work, in
batches of 500, one transaction each — while a thread files a request through the intake
service every 50 ms. Prints the time retention took, requests anonymised per second, and the
filing times during the run next to those before it (p50, p99, max).
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.support import Scratch, flask  # noqa: E402

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
REDIS_DB = 9

FILL = """
INSERT INTO requesters (id, kind, name, organisation, email, phone, created_at)
SELECT n, 'burger', 'Naam ' || n, NULL, 'persoon' || n || '@example.org', '0470 00 ' || n,
       now() - interval '3 years'
FROM generate_series(1, {count}) n;

INSERT INTO help_requests (id, requester_id, subject, description, language, status, source,
    postcode, municipality_nis, province_nis, in_area, status_token_hash, consent_at,
    privacy_version, created_at, updated_at)
SELECT n, n, 'Onderwerp ' || n, 'Mijn woorden over mijn leven, nummer ' || n, 'nl', 'resolved',
       'form', '2000', '11002', '10000', true, md5(n::text) || md5((n + 1)::text),
       now() - interval '3 years', 't', now() - interval '3 years', now() - interval '3 years'
FROM generate_series(1, {count}) n;
SELECT setval('help_requests_id_seq', {count});
SELECT setval('requesters_id_seq', {count});

INSERT INTO classifications (request_id, themes, top_theme, language, crisis, spam,
    needs_triage, reason, explanation, crisis_reading, model_version, created_at)
SELECT n, '[{"theme": "armoede", "score": 0.8}]', 'armoede', 'nl', false, false, false, NULL,
       'woorden: leven ' || n, NULL, 'bench', now() - interval '3 years'
FROM generate_series(1, {count}) n;

INSERT INTO events (request_id, type, actor, public, data, created_at)
SELECT n, t.type, 'system', true, t.data::json, now() - interval '3 years'
FROM generate_series(1, {count}) n,
     (VALUES ('received', '{}'), ('classified', '{"top_theme": "armoede"}'),
             ('requester_message', '{"text": "Mijn bericht met mijn verhaal"}'),
             ('resolved', '{"text": "Goed geholpen", "partner": 1}')) AS t(type, data);

INSERT INTO notifications (request_id, kind, recipient, step, language, data, state, attempts,
    created_at, sent_at, sent_to)
SELECT n, k.kind, 'requester', '1', 'nl', '{"text": "Een bericht"}', 'sent', 1,
       now() - interval '3 years', now() - interval '3 years', 'persoon' || n || '@example.org'
FROM generate_series(1, {count}) n, (VALUES ('receipt'), ('resolved')) AS k(kind);

INSERT INTO outbox (task, args, created_at, published_at, attempts)
SELECT 'desk.classify_request', json_build_array(n), now() - interval '3 years',
       now() - interval '3 years', 1
FROM generate_series(1, {count}) n;
ANALYZE;
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    import psycopg

    scratch = Scratch(REDIS_DB)
    env = {**os.environ, "DATABASE_URL": scratch.database_url,
           "CELERY_BROKER_URL": scratch.broker, "DESK_ENV": "development"}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CELERY_BROKER_URL")})
    try:
        flask(env, "db", "upgrade")
        flask(env, "desk", "seed")
        started = time.perf_counter()
        with psycopg.connect(scratch.url, autocommit=True) as conn:
            conn.execute(FILL.replace("{count}", str(int(COUNT))))
        print(f"{COUNT} resolved requests written in {time.perf_counter() - started:.0f} s")

        from desk import create_app
        from desk.extensions import db
        from desk.intake.schemas import HelpRequestSchema
        from desk.intake.services import file_and_commit
        from desk.privacy import retention
        from desk.timeutil import utcnow

        app = create_app()
        body = {"kind": "burger", "name": "Bench Tester", "email": "bench@example.org",
                "phone": None, "postcode": "2000", "subject": "Schulden",
                "description": "Ik kom niet rond en zoek iemand die mij helpt met mijn papieren.",
                "language": "nl", "consent": True}
        times: dict[str, list[float]] = {"before": [], "during": []}
        phase = ["before"]
        stop = threading.Event()

        def file_every_50ms() -> None:
            schema = HelpRequestSchema()
            with app.app_context():
                while not stop.is_set():
                    began = time.perf_counter()
                    file_and_commit(schema.load(body), source="api")
                    times[phase[0]].append((time.perf_counter() - began) * 1000)
                    time.sleep(0.05)

        filer = threading.Thread(target=file_every_50ms)
        filer.start()
        time.sleep(5)
        phase[0] = "during"
        with app.app_context():
            due = retention.what_is_due(utcnow()).anonymised
            began = time.perf_counter()
            report = retention.run(utcnow())
            took = time.perf_counter() - began
            db.session.remove()
        stop.set()
        filer.join()
        print(f"retention: {report.anonymised} of {due} due requests anonymised, "
              f"{report.outbox_deleted} outbox rows deleted, {report.mails_emptied} mails "
              f"emptied in {took:.0f} s ({report.anonymised / took:.0f} requests/s)")
        for name, values in times.items():
            print(f"filing {name:>6} retention: {len(values)} filed, p50 "
                  f"{statistics.median(values):.1f} ms, p99 {percentile(values, 0.99):.1f} ms,"
                  f" max {max(values):.1f} ms")
        with psycopg.connect(scratch.url) as conn:
            left = conn.execute("SELECT count(*) FROM requesters WHERE name LIKE 'Naam %'"
                                ).fetchone()[0]
        print(f"requesters still named after the run: {left}")
        return 0 if report.anonymised == COUNT and left == 0 else 1
    finally:
        scratch.drop()


if __name__ == "__main__":
    sys.exit(main())
