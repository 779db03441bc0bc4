"""`flask desk run-all`: web, worker, beat and mail sink together, for `make run`.

It works out the commands from the configuration, then replaces itself with desk/supervise.py,
which starts them and keeps them running with the standard library alone.
"""

from __future__ import annotations

import json
import os
import sys
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
        # One worker process: the embedded SQLite setup writes one transaction at a time
        # anyway, and each process that reads requests holds its own model (~250 MB).
        "worker": [str(bin_dir / "celery"), "-A", "workers", "worker", "--loglevel", "INFO",
                   "--concurrency", "1", "--without-gossip", "--without-mingle"],
        "beat": [str(bin_dir / "celery"), "-A", "workers", "beat", "--loglevel", "INFO",
                 "--schedule", schedule],
        # Two web processes: plenty for one person trying the desk, and 1 GB in all.
        "web": [str(bin_dir / "gunicorn"), "--workers", "2", "--bind",
                f"127.0.0.1:{port}", "--access-logfile", "-", "wsgi:app"],
    }
    if current_app.config["MAIL_SERVER"] not in ("127.0.0.1", "localhost"):
        del commands["mail"]  # a real mail server is configured
    os.environ["PORT"] = str(port)  # links in mails point here (unless PUBLIC_BASE_URL is set)
    print(f"\n  The desk runs at http://127.0.0.1:{port}  (Ctrl-C stops everything)\n",
          flush=True)
    supervisor = Path(__file__).with_name("supervise.py")
    os.execv(sys.executable, [sys.executable, str(supervisor), json.dumps(commands)])
