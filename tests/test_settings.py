"""Every SPEC §7 variable is honoured; bad values stop start-up with a message naming them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default'], "
    "'layer': settings.CHANNEL_LAYERS['default'], 'debug': settings.DEBUG, "
    "'hosts': settings.ALLOWED_HOSTS, 'email': settings.EMAIL_BACKEND, "
    "'email_path': settings.EMAIL_FILE_PATH, 'from': settings.DEFAULT_FROM_EMAIL, "
    "'ice': settings.ICE_SERVERS, 'secret': settings.SECRET_KEY}, default=str))"
)
VARIABLES = [
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_BACKEND",
    "EMAIL_FILE_PATH",
    "DEFAULT_FROM_EMAIL",
    "ICE_SERVERS",
]


def load(
    env: dict[str, str], module: str = "access_support.settings"
) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_no_variables_give_the_embedded_default():
    result = load({})
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["db"]["ENGINE"] == "access_support.db.sqlite3"
    assert values["layer"]["BACKEND"] == "access_support.layers.InMemoryChannelLayer"
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["debug"] is False


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
            "ICE_SERVERS": '[{"urls": ["turn:turn.example.jp:3478"], "username": "u", '
            '"credential": "c"}]',
        }
    )
    assert result.returncode == 0, result.stderr
    v = json.loads(result.stdout)
    assert v["secret"] == "s3cret-for-test"
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
    assert v["layer"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert v["layer"]["CONFIG"]["hosts"][0]["address"] == "redis://cache.internal:6380/2"
    assert v["email"] == "django.core.mail.backends.filebased.EmailBackend"
    assert v["email_path"] == "/tmp/mail-out"
    assert v["from"] == "サポート <help@example.jp>"
    assert v["ice"][0]["urls"] == ["turn:turn.example.jp:3478"]


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


def test_env_example_and_readme_document_every_variable():
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for variable in VARIABLES:
        assert f"{variable}=" in example, variable
        assert f"`{variable}`" in readme, variable
