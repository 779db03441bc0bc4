"""`flask desk run-all`: web, worker, beat and mail sink together, for `make run`.

Ctrl-C reaches every child (they share the terminal's process group); whatever is still
running a few seconds later is terminated.
"""

from __future__ import annotations

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
        "web": [str(bin_dir / "gunicorn"), "--workers", "2", "--threads", "4", "--bind",
                f"127.0.0.1:{port}", "--access-logfile", "-", "wsgi:app"],
    }
    if current_app.config["MAIL_SERVER"] not in ("127.0.0.1", "localhost"):
        del commands["mail"]  # a real mail server is configured
    children: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            children[name] = subprocess.Popen(command, env=os.environ.copy())
        print(f"\n  The desk runs at http://127.0.0.1:{port}  (Ctrl-C stops everything)\n",
              flush=True)
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        stopped = [name for name, child in children.items() if child.poll() is not None]
        print(f"stopped: {', '.join(stopped)}; stopping the rest", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
