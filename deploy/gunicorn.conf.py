"""gunicorn for the desk's web processes (deploy/systemd/desk-web.service).

Sync workers: each web request is one short transaction; slow clients wait in nginx, not here.
"""

import multiprocessing
import os

bind = os.environ.get("DESK_BIND", "127.0.0.1:8000")
# Two per core, at least two: a web process is about 150 MB resident (README, "Scaling out").
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count() * 2)))
worker_class = "sync"
timeout = 30  # the slowest page (a report computed on the spot) takes a second or two
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (a little jitter so they do not all go at once).
max_requests = 5000
max_requests_jitter = 500
# Each worker loads the app itself, so that `systemctl reload desk-web` (SIGHUP) starts workers
# on a release's new code while the old ones finish what they serve.
preload_app = False
# nginx sets X-Forwarded-For/Proto; trust it only from the machine itself.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"
# The desk logs each request itself with its X-Request-ID (LOG_FORMAT=json for a collector).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
