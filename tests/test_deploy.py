"""deploy/ as a sysadmin would use it: the systemd units pass `systemd-analyze verify`, and
their commands, exactly as written, start the desk under production settings — gunicorn with
deploy/gunicorn.conf.py, a worker, beat and the relay — which then reports ready and offers a
request; each stops cleanly on systemd's SIGTERM. nginx's example passes `nginx -t` in front
of them with a certificate and serves the desk over TLS, hiding /metrics."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from desk.classify.registry import shipped_model
from tests.conftest import api_body, free_port

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"


def installed(unit: str, tmp_path: Path) -> str:
    """A unit as it would be installed, with this checkout standing in for /opt/desk."""
    return ((UNITS / unit).read_text().replace("/opt/desk", str(ROOT))
            .replace("/etc/desk/desk.env", str(tmp_path / "desk.env"))
            .replace("/var/lib/desk", str(tmp_path)))


def command(unit: str, tmp_path: Path) -> list[str]:
    """The unit's ExecStart, as systemd would run it for instance 1."""
    line = next(line for line in installed(unit, tmp_path).splitlines()
                if line.startswith("ExecStart="))
    return [part.replace("%%", "%").replace("%i", "1")
            for part in shlex.split(line.split("=", 1)[1])]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
def test_the_systemd_units_verify(tmp_path):
    (tmp_path / "desk.env").write_text("")
    names = []
    for unit in sorted(UNITS.iterdir()):
        name = unit.name.replace("@.", "@1.")
        (tmp_path / name).write_text(installed(unit.name, tmp_path))
        names.append(str(tmp_path / name))
    done = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), (
        done.stdout + done.stderr)


def _get(url: str, context: ssl.SSLContext | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5, context=context) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def _wait(what, seconds: float):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        found = what()
        if found:
            return found
        time.sleep(0.25)
    return what()


@pytest.fixture
def production(app, tmp_path):
    """Production settings, as /etc/desk/desk.env would hold them, on the test's database and
    Redis; the model built at release, as deploy/release.sh does."""
    shipped_model()
    port = free_port()
    env = {**os.environ, "DESK_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "PUBLIC_BASE_URL": "https://desk.test", "CENTRAL_EMAIL": "centraal@desk.test",
           "DESK_INSTANCE": str(tmp_path), "MODEL_DIR": app.config["MODEL_DIR"],
           "DESK_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(free_port()),
           "HEARTBEAT_SECONDS": "2", "LOG_FORMAT": "json", "METRICS_TOKEN": "scrape"}
    running: dict[str, subprocess.Popen] = {}
    for unit in ("desk-web.service", "desk-worker@.service", "desk-beat.service",
                 "desk-relay.service"):
        with open(tmp_path / f"{unit}.log", "w") as log:
            running[unit] = subprocess.Popen(
                command(unit, tmp_path), cwd=ROOT, env=env, start_new_session=True,
                stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", running
    finally:
        for process in running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def test_the_units_commands_run_the_desk_under_production_settings(production, tmp_path):
    base, running = production
    assert _wait(lambda: _get(f"{base}/healthz")[0] == 200, 60), _logs(tmp_path)
    ready = _wait(lambda: _get(f"{base}/readyz")[0] == 200, 90)
    assert ready, _get(f"{base}/readyz")[1] + _logs(tmp_path)

    request = urllib.request.Request(f"{base}/api/v1/requests", method="POST",
                                     data=json.dumps(api_body(postcode="2000")).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        filed = json.loads(answer.read())

    def offered() -> bool:
        status = urllib.request.Request(f"{base}/api/v1/requests/{filed['reference']}",
                                        headers={"Authorization": f"Bearer {filed['token']}"})
        with urllib.request.urlopen(status, timeout=5) as answer:
            return json.loads(answer.read())["status"] == "offered"

    assert _wait(offered, 60), _logs(tmp_path)

    # The workers' jobs are counted where every web process reads them.
    scrape = urllib.request.Request(f"{base}/metrics", headers={"Authorization": "Bearer scrape"})
    with urllib.request.urlopen(scrape, timeout=5) as answer:
        metrics = answer.read().decode()
    runs = re.search(r'desk_task_runs_total\{job="desk.classify_request"\} (\S+)', metrics)
    assert runs and float(runs.group(1)) >= 1, metrics
    assert 'desk_task_seconds_total{job="desk.classify_request"}' in metrics

    # systemd stops a unit with SIGTERM (KillMode=mixed: the main process first): each ends
    # well within its TimeoutStopSec.
    for process in running.values():
        process.send_signal(signal.SIGTERM)
    for unit, process in running.items():
        assert process.wait(30) is not None, unit


def _logs(tmp_path: Path) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}"
                     for log in tmp_path.glob("*.service.log"))


@pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed (make services installs it)")
def test_the_nginx_example_serves_the_desk_over_tls(production, tmp_path):
    base, _ = production
    upstream = base.removeprefix("http://")
    https = free_port()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=hulp.burgersaanzet.be", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    site = ((ROOT / "deploy" / "nginx" / "desk.conf").read_text()
            .replace("127.0.0.1:8000", upstream)
            .replace("/etc/letsencrypt/live/hulp.burgersaanzet.be/fullchain.pem",
                     str(tmp_path / "cert.pem"))
            .replace("/etc/letsencrypt/live/hulp.burgersaanzet.be/privkey.pem",
                     str(tmp_path / "key.pem"))
            .replace("/opt/desk", str(ROOT)))
    site = re.sub(r"listen \[::\]:\d+[^;]*;\n", "", site)
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include /etc/nginx/mime.types;
    include {tmp_path}/site.conf;
}}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    checked = subprocess.run([nginx, "-t", "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    server = subprocess.Popen([nginx, "-c", str(tmp_path / "nginx.conf"), "-g",
                               "daemon off;"], stderr=subprocess.PIPE)
    try:
        context = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        context.check_hostname = False
        front = f"https://127.0.0.1:{https}"
        assert _wait(lambda: _get(f"{front}/healthz", context)[0] == 200, 60), _logs(tmp_path)
        status, page = _get(f"{front}/", context)
        assert status == 200 and "Stel uw hulpvraag" in page
        assert _get(f"{front}/static/desk.css", context)[0] == 200  # from disk
        assert _get(f"{front}/metrics", context)[0] == 404
    finally:
        server.terminate()
        server.wait(10)
