"""How fast does the desk take in help requests?  `make bench` or `.venv/bin/python bench/intake.py`

Three runs, one after the other, each under gunicorn (4 sync workers on 127.0.0.1) with load
from wrk (2 threads, 32 connections, a 3 s warm-up, then 15 s measured), every request a
POST /api/v1/requests with the same valid JSON body:

  a  bare    a Flask view that parses the body and answers 201, no database: the ceiling;
  b  naive   Flask-SQLAlchemy, one ORM object added + commit per POST (bench/apps.py);
  c  desk    the desk itself (wsgi:app) with the trusted X-API-Key: validated, the four
             intake rows committed in one transaction — intake as the targets define it;
  d  +relay  the same, while on the same two cores the outbox relay (`flask desk relay`, as
             every Celery worker runs it) publishes each request's work to Redis. In a
             deployment the relay runs on the worker hosts.

Everything runs against a throwaway PostgreSQL database (bench_<random>, built with
`flask db upgrade` + `flask desk seed`, dropped at the end, even on error or Ctrl-C) and
Redis db 9 (flushed at the end). wrk, gunicorn and PostgreSQL share the machine's cores.

Reading the output: one line per run with requests/s and latency percentiles (ms) as wrk
measured them; `errors` is wrk's non-2xx responses + socket errors. For the desk follow its
ratio to a and b, the RSS of each gunicorn worker when its run ended, and a row check: the
rows the run added to help_requests, events ('received') and outbox must match the 201s wrk
counted. wrk hangs up on requests still in flight when its time is up; the server still
completes those, so up to one per connection may be stored without wrk seeing the 201: they
are reported as "finished after wrk hung up", not as an error. Then PASS/FAIL per target;
the exit status is 1 if any target or the row check fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import apps  # bench/apps.py: the reference apps a and b
import psycopg
from support import HOST, PG, Scratch, flask, free_port

ROOT = Path(__file__).resolve().parent.parent
REDIS_DB = 9
WORKERS, THREADS, CONNECTIONS = 4, 2, 32
WARMUP, DURATION = 3, 15
TARGET_RPS, TARGET_P99_MS, TARGET_RSS_MB = 1000, 50, 150
BODY = {
    "kind": "burger", "name": "Bench Tester", "email": "bench@example.org", "phone": None,
    "postcode": "9000", "subject": "Eenzaamheid",
    "description": "Mijn moeder van 82 woont alleen en ziet bijna niemand meer; "
                   "wie kan eens langskomen?",
    "language": "nl", "consent": True,
}
# POSTs BODY; counts 201s per thread; done() prints one machine-readable line.
LUA = """
wrk.method = "POST"
wrk.body = [==[%(body)s]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = [==[%(key)s]==]
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) created = 0 end
function response(status, headers, body) if status == 201 then created = created + 1 end end
function done(s, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("created") end
  local e = s.errors
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d %%d %%d\\n", s.requests, n, e.status,
    e.connect + e.read + e.write + e.timeout, s.duration, latency:percentile(50),
    latency:percentile(90), latency:percentile(99)))
end
"""


@dataclass
class Result:
    name: str
    requests: int  # responses wrk received
    created: int  # of which 201
    non2xx: int
    socket_errors: int
    seconds: float
    p50: float  # ms
    p90: float
    p99: float
    rss: list[float] = field(default_factory=list)  # MB per worker, at the end of the run

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, capture_output=True)
        subprocess.run(install, env=env, check=True, capture_output=True)


def workers(master: int) -> list[int]:
    """The pids whose parent is the gunicorn master."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int(
                (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
            ) == master:
                found.append(int(entry.name))
        except OSError:
            continue
    return sorted(found)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def gunicorn(spec: str, env: dict[str, str], log: Path):
    """Start `gunicorn spec` on a free port, wait until a POST gets its 201; yield (url, pid)."""
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-k", "sync",
           "-b", f"{HOST}:{port}", "--pythonpath", str(ROOT / "bench"), "--log-level", "warning",
           spec]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out,
                                start_new_session=True)  # Ctrl-C reaches us, we stop it
    url = f"http://{HOST}:{port}/api/v1/requests"
    try:
        smoke(url, env.get("BENCH_API_KEY", ""), proc, log)
        yield url, proc.pid
    finally:
        proc.send_signal(signal.SIGINT)  # gunicorn: quick shutdown of master and workers
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def relay(env: dict[str, str], tmp: Path):
    """The outbox relay, publishing to Redis while the desk takes requests."""
    with (tmp / "relay.log").open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "desk", "relay"],
                                cwd=ROOT, env=env, stdout=out, stderr=out,
                                start_new_session=True)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def smoke(url: str, key: str, proc: subprocess.Popen, log: Path) -> None:
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, json.dumps(BODY).encode(), method="POST", headers={
        "Content-Type": "application/json", "X-API-Key": key})
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"gunicorn did not come up; its log:\n{log.read_text()[-3000:]}")
        try:
            with no_proxy.open(request, timeout=10) as answer:
                if answer.status == 201:
                    return
                sys.exit(f"smoke POST answered {answer.status}: {answer.read()[:500]!r}")
        except urllib.error.HTTPError as error:
            sys.exit(f"smoke POST answered {error.code}: {error.read()[:500]!r}")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)


def wrk(url: str, lua: Path, seconds: int, name: str = "") -> Result:
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
           "--latency", "-s", str(lua), url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    line = re.search(r"^BENCH (.*)$", out, re.M)
    if line is None:
        sys.exit(f"wrk printed no result:\n{out}")
    n, created, non2xx, sock, micros, p50, p90, p99 = map(int, line.group(1).split())
    return Result(name, n, created, non2xx, sock, micros / 1e6, p50 / 1e3, p90 / 1e3, p99 / 1e3)


def desk_rows(db: psycopg.Connection) -> tuple[int, ...]:
    """(help_requests, received events, outbox, outbox published), once writes have stopped."""
    query = """SELECT (SELECT count(*) FROM help_requests),
                      (SELECT count(*) FROM events WHERE type = 'received'),
                      (SELECT count(*) FROM outbox),
                      (SELECT count(*) FROM outbox WHERE published_at IS NOT NULL)"""
    last = None
    for _ in range(40):
        now = db.execute(query).fetchone()
        if now == last:
            break
        last = now
        time.sleep(0.25)
    return tuple(last)


def measure(name: str, spec: str, env: dict[str, str], lua: Path, tmp: Path,
            db: psycopg.Connection | None = None) -> tuple[Result, list[str]]:
    """One run; for the desk (db given) also the row check. Returns the result and problems."""
    problems: list[str] = []
    with gunicorn(spec, env, tmp / f"{name}.log") as (url, master):
        wrk(url, lua, WARMUP)
        before = desk_rows(db) if db is not None else None
        result = wrk(url, lua, DURATION, name)
        result.rss = [rss_mb(pid) for pid in workers(master)]
        print(f"{name:<9}{result.rps:>10.1f}{result.p50:>9.1f}{result.p90:>9.1f}"
              f"{result.p99:>9.1f}{result.non2xx + result.socket_errors:>8}", flush=True)
        if result.non2xx or result.created != result.requests:
            problems.append(f"{name}: {result.requests - result.created} of {result.requests} "
                            f"responses were not 201 ({result.non2xx} non-2xx)")
        if db is not None and before is not None:
            after = desk_rows(db)
            added = [a - b for a, b in zip(after, before, strict=True)]
            late = added[0] - result.created
            print(f"        rows: {result.created} x 201; added help_requests {added[0]}, "
                  f"events 'received' {added[1]}, outbox {added[2]} ({late} finished after wrk "
                  f"hung up); relay published {after[3]} of all {after[2]} outbox rows")
            if not (added[0] == added[1] == added[2] and 0 <= late <= CONNECTIONS):
                problems.append(f"{name}: rows do not match the 201s (see the rows line)")
    return result, problems


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups on kill too
    started = time.monotonic()
    ensure_wrk()
    scratch = Scratch(REDIS_DB)
    name, url = scratch.name, scratch.database_url
    env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": scratch.broker}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            flask(env, "db", "upgrade")
            flask(env, "desk", "seed")
            found = re.search(r"key \(shown once\): (\S+)",
                              flask(env, "desk", "create-api-key", "--name", "bench"))
            if found is None:
                sys.exit("create-api-key printed no key")
            env["BENCH_API_KEY"] = found.group(1)
            apps.create_schema(url)
            lua = Path(tmp) / "post.lua"
            lua.write_text(LUA % {"body": json.dumps(BODY), "key": found.group(1)})

            print(f"database {name}, redis db {REDIS_DB}; gunicorn {WORKERS} sync workers; "
                  f"wrk {THREADS} threads x {CONNECTIONS} connections, {DURATION} s "
                  f"after {WARMUP} s warm-up")
            print(f"{'run':<9}{'req/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}")
            bare, problems = measure("a bare", "apps:bare()", env, lua, Path(tmp))
            naive, more = measure("b naive", "apps:naive()", env, lua, Path(tmp))
            problems += more
            with psycopg.connect(f"{PG}/{name}", autocommit=True) as db:
                desk, more = measure("c desk", "wsgi:app", env, lua, Path(tmp), db)
                problems += more
                with relay(env, Path(tmp)):
                    full, more = measure("d +relay", "wsgi:app", env, lua, Path(tmp), db)
                problems += more
    finally:
        scratch.drop()

    for r in (desk, full):
        print(f"{r.name} / a bare: {r.rps / bare.rps:.2f} of the requests/s "
              f"(p99 {r.p99 / bare.p99:.1f}x); {r.name} / b naive: {r.rps / naive.rps:.2f} "
              f"(p99 {r.p99 / naive.p99:.1f}x)")
    print("worker RSS MB: " + "; ".join(
        f"{r.name}: " + " ".join(f"{mb:.0f}" for mb in r.rss)
        for r in (bare, naive, desk, full)))
    targets = [
        (f"c desk >= {TARGET_RPS} requests/s", desk.rps >= TARGET_RPS, f"{desk.rps:.0f}"),
        (f"c desk p99 <= {TARGET_P99_MS} ms", desk.p99 <= TARGET_P99_MS, f"{desk.p99:.1f} ms"),
        (f"every c desk worker RSS < {TARGET_RSS_MB} MB",
         bool(desk.rss) and max(desk.rss) < TARGET_RSS_MB,
         f"max {max(desk.rss, default=0):.0f} MB of {len(desk.rss)} workers"),
        ("c desk faster than b naive", desk.rps > naive.rps,
         f"{desk.rps:.0f} vs {naive.rps:.0f} req/s"),
        ("d +relay faster than b naive", full.rps > naive.rps,
         f"{full.rps:.0f} vs {naive.rps:.0f} req/s"),
        ("every response 201, rows match", not problems, "; ".join(problems) or "ok"),
    ]
    print()
    for label, ok, detail in targets:
        print(f"{'PASS' if ok else 'FAIL'}  {label:<36} {detail}")
    print(f"({time.monotonic() - started:.0f} s)")
    return 0 if all(ok for _, ok, _ in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
