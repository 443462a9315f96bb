"""manage.py create_user --role R --username U --password P --email E [...] (README)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from access_support.accounts import services
from access_support.accounts.models import ROLES, SKILLS
from access_support.accounts.name_reading import user_set_name_reading


def comma_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


class Command(BaseCommand):
    help = "Creates a user with one or more roles (comma-separated)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--role", required=True, help=f"one or more of {', '.join(ROLES)}")
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--member-number", dest="member_number")
        parser.add_argument("--skills", help=f"comma-separated: {', '.join(SKILLS)}")
        parser.add_argument("--display-name", dest="display_name", default="")
        parser.add_argument(
            "--name-reading", dest="name_reading", default="", help="the name in kana"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = services.user_create(
                username=options["username"],
                password=options["password"],
                email=options["email"],
                roles=comma_list(options["role"]),
                display_name=options["display_name"],
                member_number=options["member_number"],
                skills=comma_list(options["skills"]),
            )
            if options["name_reading"]:
                user_set_name_reading(user=user, name_reading=options["name_reading"], actor=None)
        except (ValueError, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created {user.username} ({', '.join(user.roles)})")
