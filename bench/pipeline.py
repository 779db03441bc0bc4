"""Submit → classified → offered: how many requests a second do two workers carry through?

`.venv/bin/python bench/pipeline.py` (also part of `make bench`).

Setup: a throwaway PostgreSQL database (bench_<random>, `flask db upgrade` + `flask desk seed`,
plus 200 generated partners that cover all of Flanders and Brussels with random theme
weights, so every routing decision weighs 208 partners), Redis db 10, and two Celery worker
processes (`celery -A workers worker --pool solo -Q celery`, each with its outbox relay), as a
worker host runs them. Mail has a queue of its own: the offer mails routing writes are queued
(their outbox rows are published like the rest) but sent by no one here. Requests are filed
through the desk's intake service (`file_and_commit`, what the API and the form call; the web
side's own speed is bench/intake.py's), their texts drawn from the classifier's evaluation
set, with postcodes across Flanders and Brussels.

Two phases, one after the other:

  paced      RATE requests a second for SECONDS: does the pipeline keep up? Prints the rate
             filed, the rate carried through (requests that reached an offer or the triage
             queue, per second, over the phase), the backlog left when filing stopped, and the
             time from submit to offer (p50, p95, p99, max).
  flat out   as many as three filing threads manage for SECONDS: the most the two workers
             carry through, measured over the phase after its first 3 seconds.

Everything shares the two cores: PostgreSQL, Redis, the workers and the filing threads.
Exit status 1 when the paced phase carries fewer than 300 a second or leaves a backlog.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
from support import ROOT, Scratch, celery_workers, flask, stop

sys.path.insert(0, str(ROOT))
REDIS_DB = 10
RATE, SECONDS = 300, 20
TARGET = 300
POOL = os.environ.get("BENCH_POOL", "--pool solo").split() + ["-Q", "celery"]  # mail aside
POSTCODES = ["9000", "2000", "3000", "8000", "3500", "1000", "2800", "9300", "8500", "3600",
             "1030", "1080", "9100", "2300", "8800", "3800", "1500", "9200"]
THEMES = ["buddy", "netwerk", "lotgenoten", "eenzaamheid", "buurt", "mantelzorg", "armoede",
          "psychisch", "beperking", "gezinnen", "nieuwkomers", "engagement", "beleid"]


def add_partners(url: str, count: int = 200) -> None:
    rng = random.Random(7)
    with psycopg.connect(url, autocommit=False) as conn:
        themes = dict(conn.execute("SELECT slug, id FROM themes").fetchall())
        for n in range(count):
            pid = conn.execute(
                "INSERT INTO partners (slug, name, description, covers_all, coverage_provinces,"
                " coverage_municipalities, languages, capacity, load, active, is_demo)"
                " VALUES (%s, %s, '', true, '[]', '[]', '[\"nl\", \"fr\", \"en\"]', 1000000, 0,"
                " true, true) RETURNING id", (f"bench-{n}", f"Bench partner {n}")).fetchone()[0]
            for slug in rng.sample(THEMES, 3):
                conn.execute("INSERT INTO partner_themes (partner_id, theme_id, weight)"
                             " VALUES (%s, %s, %s)", (pid, themes[slug], round(rng.random(), 2)))
        conn.commit()


def texts() -> list[dict]:
    rows = [json.loads(line) for line in
            (ROOT / "desk/classify/data/eval.jsonl").read_text().splitlines() if line.strip()]
    return [r for r in rows if not r.get("spam") and r.get("language") in ("nl", "fr", "en")]


class Filer:
    """Files requests through the desk's intake service, paced or flat out."""

    def __init__(self, samples: list[dict]) -> None:
        from desk import create_app

        self.app = create_app()
        self.samples = samples
        self.lock = threading.Lock()
        self.filed: list[int] = []

    def body(self, rng: random.Random) -> dict:
        sample = rng.choice(self.samples)
        return {"kind": sample.get("kind") or "burger", "name": "Bench Tester",
                "organisation": "Bench vzw",
                "email": "bench@example.org", "phone": None,
                "postcode": rng.choice(POSTCODES), "subject": sample["text"][:60],
                "description": sample["text"], "language": sample["language"],
                "consent": True}

    def run(self, seconds: float, rate: float | None, threads: int = 3) -> tuple[int, float]:
        from desk.intake.schemas import HelpRequestSchema
        from desk.intake.services import file_and_commit

        schema = HelpRequestSchema()
        start = time.monotonic()
        end = start + seconds

        def work(n: int) -> None:
            rng = random.Random(n)
            interval = threads / rate if rate else 0.0
            slot = start + n * (interval / threads if rate else 0)
            with self.app.app_context():
                while True:
                    now = time.monotonic()
                    if now >= end:
                        return
                    if rate and slot > now:
                        time.sleep(slot - now)
                    filed = file_and_commit(schema.load(self.body(rng)), source="api")
                    with self.lock:
                        self.filed.append(filed.id)
                    slot += interval

        pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return len(self.filed), time.monotonic() - start


def progress(conn: psycopg.Connection, ids: list[int]) -> int:
    return conn.execute("SELECT count(*) FROM help_requests WHERE id = ANY(%s) AND status IN"
                        " ('offered', 'needs_triage', 'spam')", (ids,)).fetchone()[0]


def figures(conn: psycopg.Connection, ids: list[int]) -> dict:
    """Per request: seconds from filing to its first offer (or to the triage queue)."""
    rows = conn.execute(
        """SELECT r.id, r.status, r.created_at,
                  (SELECT min(e.created_at) FROM events e WHERE e.request_id = r.id
                     AND e.type IN ('offered', 'to_triage', 'classified')
                     AND (e.type <> 'classified' OR r.status IN ('needs_triage', 'spam')))
           FROM help_requests r WHERE r.id = ANY(%s)""", (ids,)).fetchall()
    offered = sorted((done - created).total_seconds() for _, status, created, done in rows
                     if status == "offered" and done is not None)
    finished = [done for *_, done in rows if done is not None]
    first = min(created for _, _, created, _ in rows)
    return {"offered": offered, "finished": finished, "first": first,
            "triage": sum(1 for _, status, *_ in rows if status == "needs_triage")}


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def wait_drained(conn: psycopg.Connection, ids: list[int], seconds: float = 120) -> float:
    start = time.monotonic()
    while progress(conn, ids) < len(ids) and time.monotonic() - start < seconds:
        time.sleep(0.2)
    return time.monotonic() - start


def main() -> int:
    scratch = Scratch(REDIS_DB)
    name, url = scratch.name, scratch.url
    env = {**os.environ, "DATABASE_URL": scratch.database_url,
           "CELERY_BROKER_URL": scratch.broker, "DESK_ENV": "development",
           "OUTBOX_RELAY_IN_WORKER": "1", "PARTNER_CACHE_SECONDS": "10"}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CELERY_BROKER_URL",
                                            "PARTNER_CACHE_SECONDS")})
    procs: list[subprocess.Popen] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            flask(env, "db", "upgrade")
            flask(env, "desk", "seed")
            add_partners(url)
            flask(env, "desk", "classify")  # the shipped model, trained once and cached
            procs = celery_workers(env, POOL, "bench", Path(tmp))
            samples = texts()
            filer = Filer(samples)
            conn = psycopg.connect(url, autocommit=True)
            print(f"database {name}, redis db {REDIS_DB}; 2 worker processes (solo pool); "
                  f"208 partners; {len(samples)} texts from the evaluation set")
            # Warm up: both workers load the model and the partner profiles.
            filer.run(3, 50)
            wait_drained(conn, filer.filed, 60)
            ok = True

            for phase, rate in (("paced", RATE), ("flat out", None)):
                filer.filed = []
                filed, took = filer.run(SECONDS, rate)
                backlog = filed - progress(conn, filer.filed)
                drain = wait_drained(conn, filer.filed)
                got = figures(conn, filer.filed)
                done = got["finished"]
                if phase == "paced":
                    span = (max(done) - got["first"]).total_seconds()
                    carried = len(done) / span
                else:  # the steady part: after the first 3 s, up to the last filed
                    t0 = got["first"].timestamp() + 3
                    t1 = got["first"].timestamp() + took
                    carried = sum(1 for d in done if t0 <= d.timestamp() <= t1) / (t1 - t0)
                lat = got["offered"]
                print(f"{phase:9s} filed {filed} in {took:.1f} s ({filed / took:.0f}/s); "
                      f"carried through {carried:.0f}/s; backlog when filing stopped {backlog}, "
                      f"drained in {drain:.1f} s; {len(lat)} offered, {got['triage']} to triage")
                if lat and phase == "paced":
                    print(f"          submit → offer ms: p50 {pct(lat, 50):.0f}  "
                          f"p95 {pct(lat, 95):.0f}  p99 {pct(lat, 99):.0f}  "
                          f"max {lat[-1] * 1000:.0f}")
                if phase == "paced":
                    ok = carried >= TARGET * 0.97 and backlog < RATE  # < 1 s of work behind
                    print(f"          target ≥ {TARGET}/s sustained: {'PASS' if ok else 'FAIL'}")
            conn.close()
            for n in (1, 2):
                log = (Path(tmp) / f"bench{n}.log").read_text()
                if "Traceback" in log:
                    print(f"worker {n} logged errors:\n{log[-3000:]}")
                    ok = False
            return 0 if ok else 1
    finally:
        stop(procs)
        scratch.drop()


if __name__ == "__main__":
    sys.exit(main())
