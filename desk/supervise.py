"""Keeps `make run`'s processes running: started by `flask desk run-all` (desk/devserver.py),
which replaces itself with this script — standard library only, so the supervisor costs a few
megabytes, not a whole copy of the desk.

Each child runs in a process group of its own; on Ctrl-C, SIGTERM, or when one child stops too
often, every group gets SIGTERM, and whatever is still running ten seconds later gets SIGKILL,
so no worker process of gunicorn or Celery is left behind. A child that stops is started again
(at most RESTARTS_A_MINUTE times a minute).

    python desk/supervise.py '{"name": ["command", "arg", ...], ...}'
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

RESTARTS_A_MINUTE = 5


class _GivingUp(Exception):
    pass


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


def supervise(commands: dict[str, list[str]]) -> None:
    children: dict[str, subprocess.Popen] = {}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for name, command in commands.items():
            children[name] = subprocess.Popen(command, start_new_session=True)
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
                children[name] = subprocess.Popen(commands[name], start_new_session=True)
    except _GivingUp as gave_up:
        print(f"{gave_up} stopped {RESTARTS_A_MINUTE} times within a minute; stopping the rest",
              file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in children.values():
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(max(0.1, deadline - time.monotonic()))
            _signal_group(child, signal.SIGKILL)  # stragglers: a child's own children too


if __name__ == "__main__":
    supervise(json.loads(sys.argv[1]))
