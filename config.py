"""Settings for the desk: defaults that need no server, overridden by the environment.

Every setting can be set as an environment variable of the same name. `check()` runs at
start and refuses a production configuration that would be unsafe (a default secret key,
SQLite as the database).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = Path(os.environ.get("DESK_INSTANCE", ROOT / "instance"))

DEFAULT_SECRET_KEY = "dev-only-not-secret"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Read once when the app is made; tests pass overrides to create_app()."""

    def __init__(self) -> None:
        self.ENV_NAME = _env("DESK_ENV", "development")  # development | production | test
        self.SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET_KEY)

        # Database: SQLite in instance/ unless DATABASE_URL says otherwise.
        database_url = _env("DATABASE_URL", f"sqlite:///{INSTANCE / 'desk.sqlite'}")
        if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
            database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
        if database_url.startswith("postgresql"):
            self.SQLALCHEMY_ENGINE_OPTIONS.update(
                pool_recycle=3600, pool_size=_int("DATABASE_POOL_SIZE", 5), max_overflow=10
            )

        # Celery: a broker that needs no server (kombu's SQLAlchemy transport on SQLite)
        # unless CELERY_BROKER_URL points at Redis.
        self.CELERY_BROKER_URL = _env(
            "CELERY_BROKER_URL", f"sqla+sqlite:///{INSTANCE / 'broker.sqlite'}"
        )
        # The relay (in every worker) is kicked by NOTIFY on PostgreSQL and also looks this
        # often on its own; beat sweeps as a safety net.
        self.OUTBOX_POLL_SECONDS = float(_env("OUTBOX_POLL_SECONDS", "2"))
        self.OUTBOX_SWEEP_SECONDS = _int("OUTBOX_SWEEP_SECONDS", 30)
        self.OUTBOX_RELAY_IN_WORKER = _bool("OUTBOX_RELAY_IN_WORKER", True)
        # A message the broker lost (a worker killed mid-task, Redis restarted without its
        # data) is found by beat: work untouched this long is queued again (tasks are
        # idempotent, so work that was only slow costs a second look). Kept short; the
        # broker's own redelivery of an unacknowledged task waits the visibility timeout,
        # which must outlast the longest task (a model retraining takes minutes).
        self.RESCUE_AFTER_SECONDS = _int("RESCUE_AFTER_SECONDS", 30)
        self.RESCUE_SWEEP_SECONDS = _int("RESCUE_SWEEP_SECONDS", 10)
        self.BROKER_VISIBILITY_SECONDS = _int("BROKER_VISIBILITY_SECONDS", 900)

        # Privacy: a request that ended (resolved, closed) is anonymised this many months after
        # its last change; withdrawn and spam sooner. Published outbox rows, the bodies of
        # sent mails and the raw mails that came in are pruned after MAIL_RETENTION_DAYS.
        self.RETENTION_MONTHS = _int("RETENTION_MONTHS", 24)
        self.RETENTION_SHORT_MONTHS = _int("RETENTION_SHORT_MONTHS", 3)
        self.MAIL_RETENTION_DAYS = _int("MAIL_RETENTION_DAYS", 90)
        self.RETENTION_SWEEP_HOURS = float(_env("RETENTION_SWEEP_HOURS", "1"))
        # Reports are read from snapshots: beat computes the last twelve months again every
        # REPORTS_REFRESH_SECONDS; another period asked for is kept REPORTS_FRESH_SECONDS.
        self.REPORTS_REFRESH_SECONDS = _int("REPORTS_REFRESH_SECONDS", 600)
        self.REPORTS_FRESH_SECONDS = _int("REPORTS_FRESH_SECONDS", 900)
        # Each worker that runs beat's heartbeat job notes it; /readyz wants one within three
        # periods.
        self.HEARTBEAT_SECONDS = _int("HEARTBEAT_SECONDS", 10)
        # Log lines as JSON objects (json) for a log collector, or plain text (text).
        self.LOG_FORMAT = _env("LOG_FORMAT", "text")
        # /metrics (Prometheus) answers only a scrape with this bearer token; unset: 404.
        self.METRICS_TOKEN = _env("METRICS_TOKEN", "")
        # Partners are asked to confirm their profile when they have not saved or confirmed it
        # for PROFILE_CONFIRM_DAYS (and at most that often); beat looks every few hours.
        self.PROFILE_CONFIRM_DAYS = _int("PROFILE_CONFIRM_DAYS", 30)
        self.PROFILE_SWEEP_HOURS = float(_env("PROFILE_SWEEP_HOURS", "6"))
        # How the desk reaches a requester, in order: the first channel that reaches them
        # (desk/contact/channels.py). "email", then "staff": a contact task for a person.
        self.REQUESTER_CHANNELS = tuple(
            name.strip() for name in _env("REQUESTER_CHANNELS", "email,staff").split(",")
            if name.strip())
        # A period with more requests than this is computed by a worker, not while one waits.
        self.REPORTS_INLINE_REQUESTS = _int("REPORTS_INLINE_REQUESTS", 50_000)

        # Classification: where the shipped model is cached after its first training.
        self.MODEL_DIR = _env("MODEL_DIR", str(INSTANCE / "models"))
        self.RETRAIN_HOURS = float(_env("RETRAIN_HOURS", "24"))

        # Routing: how long a partner has to answer an offer (working days: no weekends, no
        # Belgian public holidays; a reminder one working day before), after how many partners
        # a request goes to the central team, and when to tell a requester that it takes
        # longer than expected.
        self.OFFER_WORKING_DAYS = _int("OFFER_WORKING_DAYS", 2)
        self.MAX_PARTNERS = _int("MAX_PARTNERS", 3)
        self.DELAY_NOTICE_WORKING_DAYS = _int("DELAY_NOTICE_WORKING_DAYS", 4)
        # This many working days after a request is resolved, the requester is asked (once)
        # whether they were helped.
        self.FOLLOW_UP_WORKING_DAYS = _int("FOLLOW_UP_WORKING_DAYS", 10)
        # Care after acceptance: a partner that has not recorded its first contact with the
        # person this many working days after accepting (or has done nothing on an accepted
        # request for IDLE_WORKING_DAYS) is reminded; ESCALATION_WORKING_DAYS after that,
        # the central team hears of it.
        self.FIRST_CONTACT_WORKING_DAYS = _int("FIRST_CONTACT_WORKING_DAYS", 3)
        self.IDLE_WORKING_DAYS = _int("IDLE_WORKING_DAYS", 10)
        self.ESCALATION_WORKING_DAYS = _int("ESCALATION_WORKING_DAYS", 2)
        self.OFFER_SWEEP_SECONDS = _int("OFFER_SWEEP_SECONDS", 60)
        # An offer's answer link works this many days after the offer ended (accepted,
        # declined, expired, withdrawn); then it is "not found".
        self.OFFER_LINK_DAYS = _int("OFFER_LINK_DAYS", 14)
        self.PARTNER_CACHE_SECONDS = float(_env("PARTNER_CACHE_SECONDS", "10"))

        # Mail: by default to the local sink started by `make run` (files in instance/mail).
        self.MAIL_SERVER = _env("MAIL_SERVER", "127.0.0.1")
        self.MAIL_PORT = _int("MAIL_PORT", 8025)
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
        self.MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "BurgersAanZet <desk@desk.example>")
        self.MAIL_DOMAIN = _env("MAIL_DOMAIN", "desk.example")
        # While the mail server is away a mail is tried again, further off each time (5 s
        # doubling to 10 min; 12 tries span about 50 minutes); then it is marked failed.
        self.MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 12)
        # The central team's own mailbox: crisis alerts and requests waiting for a person go
        # there and to every active admin. Required in production; `make run` gives the local
        # default so its mailbox shows the alerts.
        self.CENTRAL_EMAIL = _env("CENTRAL_EMAIL", "" if self.ENV_NAME == "production"
                                  else "centraal@desk.example")
        self.MAIL_SINK_DIR = _env("MAIL_SINK_DIR", str(INSTANCE / "mail"))
        # /mailbox shows what the sink kept and lets you reply: never in production.
        self.MAILBOX_PAGE = _bool("MAILBOX_PAGE", self.ENV_NAME != "production")
        # Inbound: the shared secret of POST /mail/inbound (unset: the route is off), and the
        # largest message taken (attachments included).
        self.MAIL_INBOUND_SECRET = _env("MAIL_INBOUND_SECRET", "")
        self.MAIL_INBOUND_MAX_BYTES = _int("MAIL_INBOUND_MAX_BYTES", 25 * 1024 * 1024)
        # An attachment up to this size travels with a message relayed between partner and
        # requester; larger ones stay with the stored mail for the central team.
        self.MAIL_ATTACHMENT_MAX_BYTES = _int("MAIL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
        # The IMAP door: beat polls this mailbox (empty host: off); what was taken is marked
        # seen, or moved to MAIL_IMAP_DONE_FOLDER when set.
        self.MAIL_IMAP_HOST = _env("MAIL_IMAP_HOST", "")
        self.MAIL_IMAP_PORT = _int("MAIL_IMAP_PORT", 993)
        self.MAIL_IMAP_SSL = _bool("MAIL_IMAP_SSL", True)
        self.MAIL_IMAP_USERNAME = _env("MAIL_IMAP_USERNAME", "")
        self.MAIL_IMAP_PASSWORD = _env("MAIL_IMAP_PASSWORD", "")
        self.MAIL_IMAP_FOLDER = _env("MAIL_IMAP_FOLDER", "INBOX")
        self.MAIL_IMAP_DONE_FOLDER = _env("MAIL_IMAP_DONE_FOLDER", "")
        self.MAIL_IMAP_POLL_SECONDS = _int("MAIL_IMAP_POLL_SECONDS", 30)
        self.MAIL_IMAP_BATCH = _int("MAIL_IMAP_BATCH", 200)

        # Public web
        # The desk's public address, for links in mails and API answers (unset: the request's
        # host in API answers, http://127.0.0.1:$PORT in mails — fine for `make run` only).
        self.PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "")
        # Limits count across every web process: in Redis whenever the broker is Redis.
        broker = self.CELERY_BROKER_URL
        self.RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", broker if broker.startswith(
            ("redis://", "rediss://")) else "memory://")
        # Proxies in front of the desk whose X-Forwarded-For/-Proto it believes (0: none, so a
        # client cannot pick its own address; 1 behind one nginx).
        self.PROXY_HOPS = _int("PROXY_HOPS", 0)
        # Redis away must not stop people filing: each web process then counts on its own.
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SUBMIT = _env("RATELIMIT_SUBMIT", "20 per hour;5 per minute")
        self.RATELIMIT_HEADERS_ENABLED = True
        # The privacy notice (/privacy): its version is stored with each consent; who is
        # responsible for the data, and where people write about it. Set these for real.
        self.PRIVACY_VERSION = _env("PRIVACY_VERSION", "2026-12")
        self.CONTROLLER_NAME = _env(
            "CONTROLLER_NAME", "BurgersAanZet, het partnerschap van Lus vzw, ArmenTeKort, Domo "
            "vzw/Home-Start, Eigen Kracht Centrale en Magenta")
        self.CONTROLLER_ADDRESS = _env("CONTROLLER_ADDRESS", "(adres van BurgersAanZet)")
        self.PRIVACY_EMAIL = _env("PRIVACY_EMAIL", "privacy@desk.example")
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 256 * 1024)
        self.WTF_CSRF_TIME_LIMIT = None  # a citizen may take an hour to write
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.ENV_NAME == "production"
        # A workspace login lasts a working day; then the coordinator logs in again.
        self.STAFF_SESSION_HOURS = float(_env("STAFF_SESSION_HOURS", "12"))
        self.RATELIMIT_LOGIN = _env("RATELIMIT_LOGIN", "10 per minute;60 per hour")

        # Languages
        self.LANGUAGES = ("nl", "fr", "en")
        self.BABEL_DEFAULT_LOCALE = "nl"
        self.BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "desk" / "translations")

        # API (flask-smorest)
        self.API_TITLE = "BurgersAanZet desk"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"

    def check(self) -> None:
        """Refuse to start production on unsafe settings."""
        if self.ENV_NAME != "production":
            return
        problems = []
        if self.SECRET_KEY == DEFAULT_SECRET_KEY or len(self.SECRET_KEY) < 32:
            problems.append("SECRET_KEY must be set to a random value of 32+ characters")
        if self.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
            problems.append("DATABASE_URL must point at PostgreSQL, not SQLite")
        if not self.PUBLIC_BASE_URL.startswith("https://"):
            problems.append("PUBLIC_BASE_URL must be the desk's https:// address (mail links)")
        if self.MAILBOX_PAGE:
            problems.append("MAILBOX_PAGE shows everyone's mail: leave it off")
        if self.CELERY_BROKER_URL.startswith("sqla+"):
            problems.append("CELERY_BROKER_URL must point at Redis")
        if "@" not in self.CENTRAL_EMAIL:
            problems.append("CENTRAL_EMAIL must be the central team's mailbox (crisis alerts)")
        if problems:
            raise RuntimeError("Unsafe production configuration: " + "; ".join(problems))
