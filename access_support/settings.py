"""Settings, read from the environment (README, Configuration); nothing set means the embedded
default."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} must be a comma-separated list, got {value!r}")
    return items


def env_url(name: str, default: str) -> str:
    """An absolute http(s) address without a query or fragment, kept without its final "/"."""
    from urllib.parse import urlsplit

    value = os.environ.get(name, default).strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name} must be an absolute http:// or https:// address such as "
            f"https://support.example.jp, got {value!r}"
        )
    return value.rstrip("/")


def env_json_list(name: str, default: list[Any]) -> list[Any]:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{name} must be JSON: {exc}") from exc
    if not isinstance(parsed, list) or not all(
        isinstance(item, dict) and "urls" in item for item in parsed
    ):
        raise ImproperlyConfigured(f'{name} must be a JSON list of {{"urls": ...}} objects')
    return parsed


# SPEEDUPS=off runs the whole system on stock Django/Channels/daphne paths: every class named below
# through `_speedup(on, off)` is then the stock one (access_support/speedups, decision 0019).
SPEEDUPS = env_bool("SPEEDUPS", True)


def _speedup(on: str, off: str) -> str:
    return on if env_bool("SPEEDUPS", True) else off


def database_from_url(name: str, url: str) -> dict[str, Any]:
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ImproperlyConfigured(
            f"{name} must start with postgres://, postgresql:// or sqlite:///, got {url!r}"
        )
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if not path or path == "/":
            raise ImproperlyConfigured(f"{name} must name a file, e.g. sqlite:////tmp/db.sqlite3")
        path = path[1:] if path.startswith("//") else path
        # SQLite makes the file but not its directory; without this check `migrate` ends in a
        # traceback saying only "unable to open database file", naming neither variable nor path.
        if not Path(path).parent.is_dir():
            raise ImproperlyConfigured(
                f"{name} names an SQLite file in a directory that does not exist: {path}"
            )
        return sqlite_database(path)
    db_name = unquote(parsed.path.lstrip("/"))
    if not db_name:
        raise ImproperlyConfigured(f"{name} must name a database, e.g. postgres://u@host/db")
    try:
        port = parsed.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} has a bad port: {url!r}") from exc
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": db_name,
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(port or ""),
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            "pool": {"min_size": 2, "max_size": 20, "timeout": 10},
            # Parameters bound by the server, and a statement run twice on a connection is
            # prepared there: the hot reads and writes are planned once per connection, not on
            # every run (decision 0014). No PgBouncer in transaction mode in front of this.
            "server_side_binding": True,
            "prepare_threshold": 2,
        },
    }


def redis_db_number(name: str, url: str) -> int:
    """The database number of a Redis URL, read as redis-py reads it: `?db=N`, else the path
    of a redis:// URL (`redis://host:6379/N`; a unix:// path is the socket), else 0."""
    parsed = urlparse(url)
    values = [value for key, value in parse_qsl(parsed.query) if key == "db"]
    if values:
        raw = values[-1]
    elif parsed.scheme != "unix":
        raw = unquote(parsed.path).strip("/")
    else:
        raw = ""
    if not raw:
        return 0
    if not raw.isdigit():
        raise ImproperlyConfigured(f"{name} must end with a database number, e.g. /0, got {url!r}")
    return int(raw)


_PREFIX = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def channel_layer_prefix(database: dict[str, Any], redis_url: str) -> str:
    """CHANNEL_LAYER_PREFIX, or one derived from the deployment: pub/sub channels are global to
    a Redis server (database numbers do not separate them), so two deployments on one Redis
    heard each other's chat messages and sign-outs. The default digests what every process and
    cron job of one deployment shares and another deployment does not: its database (engine,
    host, port, name; no credentials, so rotating a password keeps the prefix) and the Redis
    database number."""
    explicit = env_str("CHANNEL_LAYER_PREFIX")
    if explicit:  # empty: derived, so .env.example's empty line means "the default"
        if not _PREFIX.fullmatch(explicit):
            raise ImproperlyConfigured(
                "CHANNEL_LAYER_PREFIX must be 1 to 40 letters, digits, '.', '_' or '-', "
                f"got {explicit!r}"
            )
        return explicit
    name = str(database["NAME"])
    if database["ENGINE"].endswith("sqlite3"):
        name = os.path.abspath(name)
    identity = [
        # The backend Django would use with the speedups off, in both modes: a process with
        # them on and one with them off share the deployment (restarted one by one to turn
        # them off), and must hear each other and count the same throttles.
        _STOCK_ENGINE.get(database["ENGINE"], database["ENGINE"]),
        database.get("HOST", ""),
        database.get("PORT", ""),
        name,
        str(redis_db_number("REDIS_URL", redis_url)),
    ]
    digest = hashlib.sha256("\0".join(identity).encode()).hexdigest()[:12]
    return f"as.{digest}."


# The speedups' database backends, each with the stock one it stands in for.
_SQLITE_ENGINES = ("access_support.speedups.db.sqlite3", "django.db.backends.sqlite3")
_STOCK_ENGINE = dict([_SQLITE_ENGINES])


def sqlite_database(path: str | Path) -> dict[str, Any]:
    return {
        # Django's SQLite backend, with each statement's placeholder rewrite kept (speedups.db).
        "ENGINE": _speedup(*_SQLITE_ENGINES),
        "NAME": str(path),
        # IMMEDIATE serialises writers (no lock upgrade deadlocks); WAL lets readers go on.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # A file (threads share it in concurrency tests), one per test process.
        "TEST": {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")},
        # Keep connections open between requests and messages (reopening costs more than the
        # query); pool threads each keep their own.
        "CONN_MAX_AGE": 600,
    }


DEBUG = env_bool("DEBUG", False)
SECRET_KEY_IS_SET = bool(env_str("SECRET_KEY"))
# Embedded default only: a fixed development key. settings_production refuses to start without
# SECRET_KEY and refuses this value, so it can never reach a deployment.
DEVELOPMENT_SECRET_KEY = "embedded-development-key-not-for-production-0123456789"
SECRET_KEY: str = env_str("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
# The public address of the site: every link in an e-mail (bookings, reminders, invitations,
# set-password links) and the calendar file's identifiers are built from it, never from the
# request's Host header (which an attacker chooses) nor from a development default.
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_email",
    "axes",
    "csp",
    "access_support.accounts",
    "access_support.audit",
    "access_support.notifications",
    "proxies",
    "signlanguage",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "access_support.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "access_support.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's middleware, with the device read joined to its user (speedups.otp).
    _speedup("access_support.speedups.otp.DeviceMiddleware", "django_otp.middleware.OTPMiddleware"),
    "access_support.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's middleware, with the constant headers built once (speedups.csp).
    _speedup("access_support.speedups.csp.CSPMiddleware", "csp.middleware.CSPMiddleware"),
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "access_support.urls"
ASGI_APPLICATION = "access_support.asgi.application"
# HTTP requests borrow one of this many long-lived sync threads per process, by database
# (access_support/speedups/handler.py, decision 0007; not used with SPEEDUPS=off). SQLite: each
# thread keeps its connection, and one writer at a time is all SQLite allows. PostgreSQL:
# connections still come from the pool (max_size 20), which these 8 share with the chat writers
# and the consumers' shared thread.
HTTP_SYNC_THREADS = {"sqlite": 2, "postgresql": 4}
# Of those, how many serve while every request is quick; the rest join in while a request has
# held its thread longer than HTTP_SLOW_REQUEST_SECONDS (decision 0014). On SQLite one thread
# serves (each more one costs every request CPU in GIL hand-overs; SQLite writes one at a time
# anyway), and the second takes over while the first is busy with a slow request.
HTTP_SYNC_THREADS_ACTIVE = {"sqlite": 1, "postgresql": 4}
HTTP_SLOW_REQUEST_SECONDS = 0.02
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "access_support.context_processors.site",
                "proxies.context_processors.acting",
                "access_support.context_processors.idle_clock",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": database_from_url("DATABASE_URL", _database_url)
    if _database_url
    else sqlite_database(BASE_DIR / "var" / "db.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = env_str("REDIS_URL")
if _redis_url:
    if urlparse(_redis_url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"REDIS_URL must start with redis:// or rediss://, got {_redis_url!r}"
        )
    CHANNEL_LAYER_PREFIX = channel_layer_prefix(DATABASES["default"], _redis_url)
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    CHANNEL_LAYERS = {
        "default": {
            # channels-redis's pub/sub layer (speedups/layers.py when on; the retry below in
            # both modes).
            "BACKEND": _speedup(
                "access_support.speedups.layers.RedisPubSubChannelLayer",
                "channels_redis.pubsub.RedisPubSubChannelLayer",
            ),
            "CONFIG": {
                # redis-py 8 defaults close idle readers after 5 s (seen on this stack).
                "hosts": [
                    {
                        "address": _redis_url,
                        "socket_timeout": 30,
                        "max_connections": 2000,
                        # After a Redis restart every pooled connection is a closed socket:
                        # a command that fails with ConnectionError on one is sent once more on
                        # a fresh connection (in both modes; not on a timeout, which may have
                        # reached Redis). Without it the first publish of each process failed
                        # and its sender's socket closed with 1011 (issue 20).
                        "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
                        "retry_on_error": [RedisConnectionError],
                    }
                ],
                "prefix": CHANNEL_LAYER_PREFIX,
            },
        }
    }
    CACHES = {
        "default": {
            # Django's Redis cache, one pool per process (speedups/cache.py).
            "BACKEND": _speedup(
                "access_support.speedups.cache.RedisCache",
                "django.core.cache.backends.redis.RedisCache",
            ),
            "LOCATION": _redis_url,
            # Two deployments given the same Redis database would otherwise share throttle
            # counts and cached availability.
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
        }
    }
else:
    # One process: Channels' in-memory layer with its expiry sweep throttled (speedups/layers.py).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": _speedup(
                "access_support.speedups.layers.InMemoryChannelLayer",
                "channels.layers.InMemoryChannelLayer",
            )
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Accessible Support <support@example.jp>")
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend" and not EMAIL_FILE_PATH:
    raise ImproperlyConfigured("EMAIL_FILE_PATH must be set for the file e-mail backend")
ICE_SERVERS = env_json_list("ICE_SERVERS", [{"urls": ["stun:stun.l.google.com:19302"]}])
if any("credential" in item or "username" in item for item in ICE_SERVERS):
    # The list is written into the page as it is: a TURN password there would be everyone's.
    raise ImproperlyConfigured(
        "ICE_SERVERS is shown to every browser: give it no username or credential. For a TURN "
        "server set TURN_URLS and TURN_SECRET (short-lived credentials, docs/operations.md)."
    )
# TURN (docs/operations.md, coturn): comma-separated turn:/turns: URLs; empty = no TURN (the
# embedded default: loopback needs none). Each participant of a sign-language session gets
# credentials of coturn's shared-secret scheme (use-auth-secret) that end with the session
# (signlanguage/live/turn.py); TURN_SECRET is coturn's static-auth-secret and never leaves the
# server.
TURN_URLS = [url.strip() for url in (env_str("TURN_URLS", "") or "").split(",") if url.strip()]
TURN_SECRET = env_str("TURN_SECRET", "") or ""
for _turn_url in TURN_URLS:
    if not re.match(r"^turns?:[^\s]+$", _turn_url):
        raise ImproperlyConfigured(
            f"TURN_URLS must be turn: or turns: URLs separated by commas, got {_turn_url!r}"
        )
if TURN_URLS and not TURN_SECRET:
    raise ImproperlyConfigured("TURN_URLS is set: TURN_SECRET (coturn's static-auth-secret) too")
# A credential lasts until the session's booked end plus this margin; for a talk-now session
# (no end) or one running past its end, this long from when it is handed out (the page asks
# for a new one before it runs out: docs/websocket.md, rtc.ice_servers).
TURN_CREDENTIAL_MARGIN_SECONDS = 10 * 60
TURN_CREDENTIAL_SECONDS = 60 * 60
# The card company's 24-hour lost-card line, shown on the public help page (/help/) beside the
# routes that need no phone: the national telephone relay service and a written report here.
LOST_CARD_PHONE = env_str("LOST_CARD_PHONE", "0120-000-000") or "0120-000-000"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with the per-request user read prepared when the speedups are on
    # (accounts/backends.py).
    "access_support.accounts.backends.UserBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

# Password throttling (django-axes): per account and, separately, per client address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "access_support.accounts.views.lockout_response"
AXES_ENABLE_ADMIN = True
AXES_VERBOSE = False

# Second factor (django-otp).
OTP_EMAIL_SENDER = DEFAULT_FROM_EMAIL
# In the reader's language (accounts.services.send_challenge writes it in User.language).
OTP_EMAIL_SUBJECT = _("[Accessible Support] Sign-in code")
OTP_EMAIL_BODY_TEMPLATE_PATH = "otp/email/token.txt"
OTP_EMAIL_TOKEN_VALIDITY = 600
OTP_EMAIL_THROTTLE_FACTOR = 1
OTP_EMAIL_COOLDOWN_DURATION = 30
# The code e-mail also has a one-click sign-in link, usable once, while the code is valid and only
# in the browser that asked for it (accounts/sign_in_link.py). Off: the code alone.
OTP_EMAIL_SIGN_IN_LINK = env_bool("OTP_EMAIL_SIGN_IN_LINK", True)
OTP_TOTP_ISSUER = "Accessible Support"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Wrong tokens from one client address, across accounts, in a 15-minute window.
OTP_ADDRESS_FAILURE_LIMIT = 30
# "Forgot your password?": a link that works once, for an hour; at most 5 requests per client
# address and 3 per account an hour (the page answers alike whether the address has an account).
PASSWORD_RESET_LINK_SECONDS = 60 * 60
PASSWORD_RESET_WINDOW_SECONDS = 60 * 60
PASSWORD_RESET_PER_ADDRESS = 5
PASSWORD_RESET_PER_ACCOUNT = 3
# Every sign-in method lost (accounts/recovery.py): a supervisor may approve a recovery request
# only this many hours after it was made; the account's e-mail can stop it meanwhile. The link
# sent on approval works once, for RECOVERY_LINK_HOURS.
RECOVERY_WAIT_HOURS = int(env_str("RECOVERY_WAIT_HOURS", "72") or "72")
RECOVERY_LINK_HOURS = 72

# Idle timeouts (sliding): operators 15 minutes, everyone else 30.
IDLE_SECONDS = 30 * 60
OPERATOR_IDLE_SECONDS = 15 * 60
ACTING_IDLE_SECONDS = 30 * 60  # a proxy's acting-for context (proxies/README.md)
# Signed-in pages warn this long before an idle clock runs out, with a button to extend (WCAG
# 2.2.1; docs/accessibility.md asks for at least 2 minutes).
IDLE_WARNING_SECONDS = 3 * 60
SESSION_COOKIE_AGE = IDLE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# JSON clients get 403 {"error": "csrf_failed"}; browsers Django's page (access_support/errors.py).
CSRF_FAILURE_VIEW = "access_support.errors.csrf_failure"
# Sessions in the database only: a cache (Redis) outage must not sign everyone out or fail
# every request (cached_db raises when the cache write fails) — measured in tests/security.
# Django's database sessions (access_support/sessions.py), read with a compiled SELECT when the
# speedups are on (speedups/sessions.py).
SESSION_ENGINE = _speedup("access_support.speedups.sessions", "access_support.sessions")

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "as_language"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

(BASE_DIR / "var").mkdir(exist_ok=True)

# Service hours (JST) and slot length; the booking issue builds on these.
SERVICE_OPEN_TIME = "09:00"
SERVICE_CLOSE_TIME = "18:00"
SLOT_MINUTES = 30
# A talk-now request nobody has taken in this long is closed, and the customer offered a booking
# (signlanguage.booking.services.queue_sweep, `manage.py sweep_queue` from cron).
QUEUE_MAX_WAIT_MINUTES = 30
# A live session's participant who drops keeps their place this long (reconnecting resumes the
# chat and video); then a session whose customer did not come back ends as "customer left", and a
# talk-now request whose customer closed the waiting page is closed (signlanguage.live.presence,
# `manage.py sweep_queue` from cron).
LIVE_HOLD_MINUTES = int(env_str("LIVE_HOLD_MINUTES", "10") or "10")
# A session whose customer and operator have both been gone this long ends as abandoned.
LIVE_ABANDONED_MINUTES = int(env_str("LIVE_ABANDONED_MINUTES", "10") or "10")
RETENTION_DAYS = 365  # chat transcripts and feedback; `manage.py purge_expired` deletes older
# Whether a session's written conversation is kept when its customer does not choose at the end
# (issue 22 item 7). Not kept: deleted once the customer has downloaded it or 24 hours after the
# end (`manage.py sweep_transcripts`); the times, people, mode and outcome stay.
TRANSCRIPT_KEPT_BY_DEFAULT = env_bool("TRANSCRIPT_KEPT_BY_DEFAULT", True)
# Closed every year (month-day, JST) besides Japanese public holidays (jpholiday): 年末年始.
SERVICE_CLOSED_DAYS = ["12-29", "12-30", "12-31", "01-01", "01-02", "01-03"]
