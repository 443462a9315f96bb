"""Fixtures for Senior Support: grants in any state, made directly (the services are tested on
their own)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from proxies.models import Grant
from proxies.scopes import SCOPES

ALL_SCOPES = list(SCOPES)

# The pages of the one-question-per-page registration, by step name.
STEP = "/proxies/register/{}/"


def answer_first_three(client: Any) -> None:
    """A member's answers to the registration's first three questions (who, relationship,
    what they may do); the end date is left to ask."""
    client.post(
        STEP.format("person"),
        {
            "proxy_name": "山田 太郎",
            "proxy_name_reading": "やまだ たろう",
            "proxy_email": "taro@example.jp",
        },
    )
    client.post(STEP.format("relationship"), {"relationship": "子"})
    client.post(STEP.format("scopes"), {"scopes": ["inquiry.points", "session.book"]})


@pytest.fixture
def make_grant(db: Any) -> Callable[..., Grant]:
    def make(
        member: Any,
        proxy: Any,
        state: str = "active",
        scopes: list[str] | None = None,
        ends_on: datetime.date | None = None,
        **fields: Any,
    ) -> Grant:
        return Grant.objects.create(
            member=member,
            proxy=proxy,
            proxy_name=proxy.name if proxy else fields.pop("proxy_name", "招待 太郎"),
            proxy_email=proxy.email if proxy else fields.pop("proxy_email", "x@example.jp"),
            relationship="子",
            scopes=ALL_SCOPES if scopes is None else scopes,
            state=state,
            ends_on=ends_on,
            created_at=timezone.now(),
            **fields,
        )

    return make


@pytest.fixture
def active_grant(senior: Any, proxy: Any, make_grant: Callable[..., Grant]) -> Grant:
    return make_grant(senior, proxy)
