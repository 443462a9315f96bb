"""Every environment variable (README, Configuration) is honoured; bad values stop start-up with
a message naming them."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.browser import ROOT, manage, python

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default'], "
    "'layer': settings.CHANNEL_LAYERS['default'], 'debug': settings.DEBUG, "
    "'hosts': settings.ALLOWED_HOSTS, 'email': settings.EMAIL_BACKEND, "
    "'email_path': settings.EMAIL_FILE_PATH, 'from': settings.DEFAULT_FROM_EMAIL, "
    "'ice': settings.ICE_SERVERS, 'secret': settings.SECRET_KEY, "
    "'cache': settings.CACHES['default'], 'site': settings.SITE_URL}, default=str))"
)
VARIABLES = [
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "DEFAULT_FROM_EMAIL",
    "ICE_SERVERS",
    "TURN_URLS",
    "TURN_SECRET",
    "CHANNEL_LAYER_PREFIX",
    "LOST_CARD_PHONE",
    "OTP_EMAIL_SIGN_IN_LINK",
    "SPEEDUPS",
]


def clean_env(env: dict[str, str], module: str = "access_support.settings") -> dict[str, str]:
    """This process's environment without the settings' variables, plus `env` and `module`."""
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return clean


def load(
    env: dict[str, str], module: str = "access_support.settings"
) -> subprocess.CompletedProcess:
    return python(clean_env(env, module), "-c", PROBE, timeout=60)


def test_no_variables_give_the_embedded_default():
    result = load({})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"]["ENGINE"] == "access_support.speedups.db.sqlite3"
    assert values["layer"]["BACKEND"] == "access_support.speedups.layers.InMemoryChannelLayer"
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["debug"] is False


def test_speedups_off_names_the_stock_classes():
    """SPEEDUPS=off: every class the speedups replace is Django's, Channels', django-otp's,
    django-csp's or channels-redis's own (access_support/speedups)."""
    probe = (
        "import json; from django.conf import settings; print(json.dumps({"
        "'on': settings.SPEEDUPS, 'db': settings.DATABASES['default']['ENGINE'], "
        "'layer': settings.CHANNEL_LAYERS['default']['BACKEND'], "
        "'cache': settings.CACHES['default']['BACKEND'], 'session': settings.SESSION_ENGINE, "
        "'middleware': settings.MIDDLEWARE}))"
    )
    embedded = json.loads(python(clean_env({"SPEEDUPS": "off"}), "-c", probe, timeout=60).stdout)
    scaled = json.loads(
        python(
            clean_env({"SPEEDUPS": "off", "REDIS_URL": "redis://127.0.0.1:6379/9"}),
            "-c",
            probe,
            timeout=60,
        ).stdout
    )
    assert embedded["on"] is False
    assert embedded["db"] == "django.db.backends.sqlite3"
    assert embedded["layer"] == "channels.layers.InMemoryChannelLayer"
    assert embedded["session"] == "access_support.sessions"
    assert scaled["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert scaled["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert "django_otp.middleware.OTPMiddleware" in embedded["middleware"]
    assert "csp.middleware.CSPMiddleware" in embedded["middleware"]
    assert not [m for m in embedded["middleware"] if "speedups" in m]
    on = json.loads(python(clean_env({}), "-c", probe, timeout=60).stdout)
    assert on["on"] is True and on["session"] == "access_support.speedups.sessions"
    assert "access_support.speedups.otp.DeviceMiddleware" in on["middleware"]
    refused = python(clean_env({"SPEEDUPS": "fast"}), "-c", probe, timeout=60)
    assert refused.returncode != 0 and "SPEEDUPS must be a boolean" in refused.stderr


def test_every_variable_is_honoured():
    result = load(
        {
            "SECRET_KEY": "s3cret-for-test",
            "DEBUG": "true",
            "ALLOWED_HOSTS": "support.example.jp, 10.0.0.5",
            "DATABASE_URL": "postgres://app:p%40ss@db.internal:6543/support",
            "REDIS_URL": "redis://cache.internal:6380/2",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": "/tmp/mail-out",
            "DEFAULT_FROM_EMAIL": "サポート <help@example.jp>",
            "SITE_URL": "https://support.example.jp/",
            "ICE_SERVERS": '[{"urls": ["stun:stun.example.jp:3478"]}]',
        }
    )
    assert result.returncode == 0, result.stderr
    v = json.loads(result.stdout)
    assert v["secret"] == "s3cret-for-test"
    assert v["site"] == "https://support.example.jp"
    assert v["debug"] is True
    assert v["hosts"] == ["support.example.jp", "10.0.0.5"]
    assert v["db"]["ENGINE"] == "django.db.backends.postgresql"
    assert (
        v["db"]["NAME"],
        v["db"]["USER"],
        v["db"]["PASSWORD"],
        v["db"]["HOST"],
        v["db"]["PORT"],
    ) == ("support", "app", "p@ss", "db.internal", "6543")
    assert v["layer"]["BACKEND"] == "access_support.speedups.layers.RedisPubSubChannelLayer"
    assert v["layer"]["CONFIG"]["hosts"][0]["address"] == "redis://cache.internal:6380/2"
    assert v["email"] == "django.core.mail.backends.filebased.EmailBackend"
    assert v["email_path"] == "/tmp/mail-out"
    assert v["from"] == "サポート <help@example.jp>"
    assert v["ice"][0]["urls"] == ["stun:stun.example.jp:3478"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://x@y/z"),
        ("DATABASE_URL", "postgres://host:notaport/db"),
        ("DATABASE_URL", "postgres://host/"),
        ("REDIS_URL", "http://localhost:6379"),
        ("ICE_SERVERS", "not json"),
        ("ICE_SERVERS", '{"urls": "stun:x"}'),
        ("ALLOWED_HOSTS", " , "),
        ("REDIS_URL", "redis://localhost:6379/zero"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(variable, value):
    result = load({variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_production_settings_refuse_to_start_without_secret_key():
    result = load({}, module="access_support.settings_production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    "key",
    [
        "embedded-development-key-not-for-production-0123456789",  # settings.py's default
        "change-me-to-50-random-characters",  # .env.example's placeholder
        "x7Qp2-short-but-random",
        "a" * 49,
    ],
)
def test_production_settings_refuse_a_published_or_short_secret_key(key):
    result = load({"SECRET_KEY": key}, module="access_support.settings_production")
    assert result.returncode != 0
    last = result.stderr.splitlines()[-1]
    assert "ImproperlyConfigured" in last
    assert "SECRET_KEY" in last
    assert key not in last  # the message does not repeat a key into the logs


def test_production_settings_accept_fifty_random_characters():
    result = load({"SECRET_KEY": "k" * 25 + "Zq9-" * 7 + "w"}, "access_support.settings_production")
    assert result.returncode == 0, result.stderr


def layer_prefix(database_url: str, redis_url: str, **env: str) -> tuple[str, str]:
    result = load({"DATABASE_URL": database_url, "REDIS_URL": redis_url, **env})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    return values["layer"]["CONFIG"]["prefix"], values["cache"]["KEY_PREFIX"]


def test_two_deployments_on_one_redis_get_different_channel_layer_prefixes(tmp_path):
    """Pub/sub channels are global to a Redis server, so the prefix (also the cache's key
    prefix) tells deployments apart: by database and by Redis database number."""
    pg = "postgres://app:pw@db.internal:5432/support"
    prefixes = {
        layer_prefix(pg, "redis://cache.internal:6379/0"),
        layer_prefix(pg, "redis://cache.internal:6379/1"),
        layer_prefix(
            "postgres://app:pw@db.internal:5432/support_staging", "redis://cache.internal:6379/0"
        ),
        layer_prefix(f"sqlite:///{tmp_path}/a.sqlite3", "redis://cache.internal:6379/0"),
        layer_prefix(f"sqlite:///{tmp_path}/b.sqlite3", "redis://cache.internal:6379/0"),
    }
    assert len(prefixes) == 5
    for channel_prefix, cache_prefix in prefixes:
        assert channel_prefix == cache_prefix
    # Every process of one deployment derives the same one; credentials are not part of it.
    assert layer_prefix(pg, "redis://cache.internal:6379/0") == layer_prefix(
        "postgres://app:rotated@db.internal:5432/support", "redis://:pw@cache.internal:6379/0"
    )


@pytest.mark.parametrize(
    "database_url", ["sqlite:///{tmp}/one.sqlite3", "postgres://app:pw@db.internal:5432/support"]
)
def test_a_process_with_the_speedups_off_shares_the_prefix_of_one_with_them_on(
    tmp_path, database_url
):
    """Turning the speedups off restarts the processes one by one: meanwhile both kinds serve
    one deployment, so they must hear each other's channel layer messages and count the same
    throttles. With SQLite the two modes name different backends; the prefix must not care."""
    url = database_url.format(tmp=tmp_path)
    redis = "redis://cache.internal:6379/0"
    assert layer_prefix(url, redis, SPEEDUPS="on") == layer_prefix(url, redis, SPEEDUPS="off")


def test_an_explicit_channel_layer_prefix_wins():
    explicit = {"CHANNEL_LAYER_PREFIX": "support-prod."}
    for redis_url in ("redis://cache.internal:6379/0", "redis://cache.internal:6379/1"):
        prefix = layer_prefix("postgres://db.internal/support", redis_url, **explicit)
        assert prefix == ("support-prod.", "support-prod.")


def test_a_bad_channel_layer_prefix_stops_start_up_naming_it():
    result = load(
        {
            "DATABASE_URL": "postgres://db.internal/support",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "CHANNEL_LAYER_PREFIX": "has space",
        }
    )
    assert result.returncode != 0
    assert "CHANNEL_LAYER_PREFIX" in result.stderr.splitlines()[-1]


def migrate(database_url: str) -> subprocess.CompletedProcess:
    return manage(clean_env({"DATABASE_URL": database_url}), "migrate", "--noinput", timeout=120)


def test_migrate_to_an_sqlite_file_in_a_missing_directory_is_one_line_naming_it():
    path = "/nonexistent-dir/x.sqlite3"
    result = migrate(f"sqlite:///{path}")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"ImproperlyConfigured: DATABASE_URL names an SQLite file in a directory that does not "
        f"exist: {path}"
    ]


def test_migrate_to_an_unopenable_sqlite_file_names_it(tmp_path):
    """The directory exists but SQLite cannot open the file (here a directory in its place;
    in production, more likely a directory the service cannot write)."""
    path = tmp_path / "db.sqlite3"
    path.mkdir()
    result = migrate(f"sqlite:///{path}")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert str(path) in last
    assert "DATABASE_URL" in last


def test_env_example_and_readme_document_every_variable():
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for variable in VARIABLES:
        assert f"{variable}=" in example, variable
        assert f"`{variable}`" in readme, variable


@pytest.mark.parametrize(
    "value", ["support.example.jp", "ftp://x.jp", "https://", "https://a.jp/?q=1"]
)
def test_a_site_url_that_is_no_absolute_web_address_stops_start_up_naming_it(value):
    result = load({"SITE_URL": value})
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr
