"""What the benchmarks share: a scratch database, the flask command, free ports, two Celery
worker processes."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PG = f"postgresql://postgres@{HOST}:5432"


class Scratch:
    """A throwaway PostgreSQL database and an emptied Redis database; `drop()` removes both."""

    def __init__(self, redis_db: int) -> None:
        self.name = f"bench_{secrets.token_hex(4)}"
        self.url = f"{PG}/{self.name}"  # for psycopg
        self.database_url = self.url.replace("postgresql://", "postgresql+psycopg://")
        self.broker = f"redis://{HOST}:6379/{redis_db}"
        self._admin = psycopg.connect(f"{PG}/postgres", autocommit=True)
        self._admin.execute(f'CREATE DATABASE "{self.name}"')
        redis.Redis.from_url(self.broker).flushdb()

    def drop(self) -> None:
        self._admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin.close()
        redis.Redis.from_url(self.broker).flushdb()


def flask(env: dict[str, str], *args: str) -> str:
    """`flask --app wsgi ARGS` with stdin empty; exits the benchmark when it fails."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300, input="")
    if done.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def celery_workers(env: dict[str, str], options: list[str], name: str,
                   logs: Path) -> list[subprocess.Popen]:
    """Two `celery -A workers worker` processes, each in its own process group."""
    return [subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", *options,
         "-n", f"{name}{n}@%h", "--loglevel", "WARNING", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=(logs / f"{name}{n}.log").open("w"),
        stderr=subprocess.STDOUT, start_new_session=True) for n in (1, 2)]


def stop(procs: list[subprocess.Popen]) -> None:
    """SIGTERM to each group, SIGKILL to what is still there after 20 s."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
