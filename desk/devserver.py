"""`flask desk run-all`: web, worker, beat and mail sink together, for `make run`.

Each child runs in a process group of its own; on Ctrl-C, SIGTERM, or when one child stops,
every group gets SIGTERM, and whatever is still running ten seconds later gets SIGKILL, so no
worker process of gunicorn or Celery is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flask import current_app


def run_all(port: int) -> None:
    bin_dir = Path(sys.executable).parent
    instance = Path(current_app.config["MAIL_SINK_DIR"]).parent
    schedule = str(instance / "celerybeat-schedule")
    commands = {
        "mail": [sys.executable, "-m", "desk.mail.sink", "--dir",
                 current_app.config["MAIL_SINK_DIR"], "--port",
                 str(current_app.config["MAIL_PORT"])],
        "worker": [str(bin_dir / "celery"), "-A", "workers", "worker", "--loglevel", "INFO",
                   "--concurrency", "2", "--without-gossip", "--without-mingle"],
        "beat": [str(bin_dir / "celery"), "-A", "workers", "beat", "--loglevel", "INFO",
                 "--schedule", schedule],
        "web": [str(bin_dir / "gunicorn"), "--workers", "3", "--bind",
                f"127.0.0.1:{port}", "--access-logfile", "-", "wsgi:app"],
    }
    if current_app.config["MAIL_SERVER"] not in ("127.0.0.1", "localhost"):
        del commands["mail"]  # a real mail server is configured
    os.environ["PORT"] = str(port)  # links in mails point here (unless PUBLIC_BASE_URL is set)
    children: dict[str, subprocess.Popen] = {}
    # Ctrl-C, and a plain `kill`, end every child. (Set explicitly: a shell that started us in
    # the background may have left SIGINT ignored, and Python's default SIGTERM cleans nothing.)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for name, command in commands.items():
            children[name] = subprocess.Popen(command, env=os.environ.copy(),
                                              start_new_session=True)
        print(f"\n  The desk runs at http://127.0.0.1:{port}  (Ctrl-C stops everything)\n",
              flush=True)
        # A child that dies is started again, as a supervisor would (a worker killed takes its
        # relay with it); one that keeps dying stops everything.
        restarts: dict[str, list[float]] = {name: [] for name in commands}
        while True:
            time.sleep(0.5)
            for name, child in children.items():
                if child.poll() is None:
                    continue
                now = time.monotonic()
                restarts[name] = [t for t in restarts[name] if now - t < 60] + [now]
                if len(restarts[name]) > RESTARTS_A_MINUTE:
                    raise _GivingUp(name)
                print(f"{name} stopped (exit {child.returncode}); starting it again",
                      file=sys.stderr, flush=True)
                _signal_group(child, signal.SIGKILL)  # what it leaves behind
                children[name] = subprocess.Popen(commands[name], env=os.environ.copy(),
                                                  start_new_session=True)
    except _GivingUp as gave_up:
        print(f"{gave_up} stopped {RESTARTS_A_MINUTE} times within a minute; stopping the rest",
              file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C or kill must not cut the clean-up short: it ends with SIGKILL for
        # whatever still runs (a Celery worker whose pool children were signalled with it can
        # hang in billiard's pool teardown).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in children.values():
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(max(0.1, deadline - time.monotonic()))
            _signal_group(child, signal.SIGKILL)  # stragglers: a child's own children too


RESTARTS_A_MINUTE = 5


class _GivingUp(Exception):
    pass


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)
