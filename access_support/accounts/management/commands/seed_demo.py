"""manage.py seed_demo: idempotent demo data and how to sign in with it (README)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from access_support import extensions
from access_support.accounts import services
from access_support.accounts.models import User
from access_support.accounts.name_reading import user_set_name_reading

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS: list[dict[str, Any]] = [
    {
        "username": "senior",
        "display_name": "山田 花子",
        "name_reading": "やまだ はなこ",
        "roles": ["member"],
        "member_number": "1234567890",
        "email": "senior@example.jp",
    },
    {
        "username": "member2",
        "display_name": "佐藤 一郎",
        "name_reading": "さとう いちろう",
        "roles": ["member"],
        "member_number": "2345678901",
        "email": "member2@example.jp",
    },
    {
        "username": "proxy",
        "display_name": "山田 太郎",
        "name_reading": "やまだ たろう",
        "roles": ["proxy"],
        "email": "proxy@example.jp",
    },
    {
        "username": "operator",
        "display_name": "鈴木 さくら",
        "name_reading": "すずき さくら",
        "roles": ["operator"],
        "email": "operator@example.jp",
        "skills": ["sign_language", "written_chat"],
    },
    {
        "username": "operator2",
        "display_name": "高橋 健",
        "name_reading": "たかはし けん",
        "roles": ["operator"],
        "email": "operator2@example.jp",
        "skills": ["written_chat", "procedures"],
    },
    {
        "username": "supervisor",
        "display_name": "田中 真理",
        "name_reading": "たなか まり",
        "roles": ["supervisor"],
        "email": "supervisor@example.jp",
    },
]


class Command(BaseCommand):
    help = "Creates demo accounts (one per role) and demo data. Safe to run again."

    @transaction.atomic
    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="where the server will listen, for the sign-in address printed at the end",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users: dict[str, User] = {}
        for spec in DEMO_USERS:
            fields = {key: value for key, value in spec.items() if key != "name_reading"}
            existing = User.objects.filter(username=spec["username"]).first()
            user = existing or services.user_create(password=DEMO_PASSWORD, **fields)
            # How the name is read, for furigana over it (also given to demo people seeded before).
            users[spec["username"]] = user_set_name_reading(
                user=user, name_reading=spec["name_reading"], actor=None
            )
        notes: list[str] = []
        # Apps add their own demo data, registered in their AppConfig.ready().
        for seed in extensions.demo_seeders:
            notes.extend(seed(users))
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for spec in DEMO_USERS:
            self.stdout.write(
                f"  {spec['username']:<11} {', '.join(spec['roles']):<11} {spec['display_name']}"
            )
        for note in notes:
            self.stdout.write(f"  {note}")
        self.stdout.write(
            f"Sign in at {options['url'].rstrip('/')}/accounts/login/ ; the e-mailed code is "
            "printed in this terminal (console e-mail backend), after the line 'Your sign-in code'."
        )
