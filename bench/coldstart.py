"""A fresh deployment, timed and weighed: the release steps (migrate, seed, build the model),
then `flask desk run-all` — the whole `make run` set: web (gunicorn, 3 workers), a Celery
worker (2 processes), beat and the mail sink — from nothing to /readyz green, the first request
offered after it is filed, and the memory of every process in the set, idle and after a burst.

    .venv/bin/python bench/coldstart.py              # the embedded setup (SQLite), as make run
    .venv/bin/python bench/coldstart.py --postgres   # PostgreSQL and Redis

Targets (issue 18): first request offered ≤ 5 s after filing; the set ≤ 1 GB resident.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import ROOT, Scratch, flask, free_port  # noqa: E402

BODY = {"kind": "burger", "name": "Eerste Vraag", "email": "eerste@example.org",
        "postcode": "9000", "subject": "Geen geld voor de huur",
        "description": "We komen deze maand niet rond: de huur, het eten en de schoolrekening "
                       "zijn samen te veel. Wie kan ons helpen met onze schulden?",
        "language": "nl", "consent": True}


def _call(url: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/json", **({"Authorization": f"Bearer {token}"}
                                                if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}
    except OSError:
        return 0, {}


def _tree(root: int) -> list[int]:
    """The process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _rss(pids: list[int]) -> list[tuple[int, str, float]]:
    """(pid, command, resident MB) for each live process; RSS as the kernel counts it (a page
    shared after fork counts in each process: an upper bound)."""
    rows = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmRSS:")), 0)
        rows.append((pid, command[:90], kb / 1024))
    return rows


def _pss(pids: list[int]) -> float:
    """Proportional set size summed (a shared page split between its sharers), MB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _offered_after(base: str, filed_at: float, reference: str, token: str) -> float | None:
    while time.monotonic() - filed_at < 60:
        status, body = _call(f"{base}/api/v1/requests/{reference}", token=token)
        if status == 200 and body.get("status") not in ("received", "classified"):
            return time.monotonic() - filed_at if body["status"] == "offered" else -1.0
        time.sleep(0.05)
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--burst", type=int, default=40)
    options = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="desk-coldstart-"))
    port = free_port()
    env = {**os.environ, "DESK_INSTANCE": str(instance), "PORT": str(port),
           "MAIL_PORT": str(free_port()), "FLASK_APP": "wsgi",
           "RATELIMIT_SUBMIT": "1000 per minute"}  # the burst comes from one address
    scratch = Scratch(redis_db=9) if options.postgres else None
    if scratch:
        env |= {"DATABASE_URL": scratch.database_url, "CELERY_BROKER_URL": scratch.broker}
    print(f"setup: {'PostgreSQL + Redis' if scratch else 'embedded (SQLite)'}; "
          f"instance {instance}")
    for step in (("db", "upgrade"), ("desk", "seed"), ("desk", "classify")):
        started = time.monotonic()
        flask(env, *step)
        print(f"release step flask {' '.join(step)}: {time.monotonic() - started:.1f} s")

    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    with open(instance / "run-all.log", "w") as log:
        run = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "desk",
                                "run-all"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=log, start_new_session=True)
    try:
        while _call(f"{base}/readyz")[0] != 200:
            if time.monotonic() - started > 120:
                sys.exit(f"/readyz not green after 120 s; see {instance / 'run-all.log'}")
            time.sleep(0.1)
        print(f"start → /readyz green: {time.monotonic() - started:.1f} s")
        time.sleep(2)  # let every process settle
        idle = _rss(_tree(run.pid))
        print(f"idle: {len(idle)} processes, RSS sum {sum(r[2] for r in idle):.0f} MB, "
              f"PSS sum {_pss(_tree(run.pid)):.0f} MB")

        for n in (1, 2):
            filed_at = time.monotonic()
            status, filed = _call(f"{base}/api/v1/requests", BODY)
            assert status == 201, status
            after = _offered_after(base, filed_at, filed["reference"], filed["token"])
            print(f"request {n} filed → offered: "
                  f"{'not offered in 60 s' if after is None else f'{after:.2f} s'}")

        filed = []
        for _ in range(options.burst):
            status, body = _call(f"{base}/api/v1/requests", BODY)
            if status == 201:
                filed.append(body)
        last = time.monotonic()
        for body in filed:
            _offered_after(base, last, body["reference"], body["token"])
        busy = _rss(_tree(run.pid))
        print(f"after {len(filed)} more requests: RSS sum {sum(r[2] for r in busy):.0f} MB, "
              f"PSS sum {_pss(_tree(run.pid)):.0f} MB")
        for _pid, command, mb in sorted(busy, key=lambda r: -r[2]):
            print(f"  {mb:6.0f} MB  {command}")
    finally:
        os.killpg(run.pid, signal.SIGINT)
        try:
            run.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
        if scratch:
            scratch.drop()


if __name__ == "__main__":
    # SIGTERM (a timeout, a kill) stops the hosts it started too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    main()
