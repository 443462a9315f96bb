"""Authorisation matrix: every supervision page × role. Supervisors only; anyone else signed in
gets 403; anonymous visitors are sent to sign in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from signlanguage.models import ClosedDay, TalkNowRestriction
from supervision.models import VoiceItem


@pytest.fixture
def routes(flagged_session: Any, supervisor: Any, make_feedback: Any) -> list[tuple[str, str]]:
    closed = ClosedDay.objects.create(day="2027-01-15", reason="点検", created_by=supervisor)
    feedback = make_feedback(flagged_session, 1, "もっと早く対応してほしい")
    flagged_session.summary = "お客様から予約画面の改善要望"
    flagged_session.save(update_fields=["summary"])
    item = VoiceItem.objects.create(
        source="summary",
        session=flagged_session,
        text="改善要望",
        tag="request",
        topic="予約",
        tagged_by=supervisor,
    )
    restriction = TalkNowRestriction.objects.create(
        customer=flagged_session.customer, reason="test", created_by=supervisor
    )
    return [
        ("get", reverse("supervision:home")),
        ("get", reverse("supervision:closed-days")),
        ("post", reverse("supervision:closed-day-remove", args=[closed.pk])),
        ("get", reverse("supervision:reports")),
        *[("get", reverse("supervision:report", args=[slug])) for slug in ("sessions", "desk")],
        ("get", reverse("supervision:report-csv", args=["grants"])),
        ("get", reverse("supervision:voice")),
        ("get", reverse("supervision:voice-sources")),
        ("get", reverse("supervision:voice-tag-feedback", args=[feedback.pk])),
        ("get", reverse("supervision:voice-tag-summary", args=[flagged_session.pk])),
        ("get", reverse("supervision:voice-detail", args=[item.pk])),
        ("get", reverse("supervision:abuse")),
        ("get", reverse("supervision:abuse-detail", args=[flagged_session.pk])),
        ("post", reverse("supervision:restriction-lift", args=[restriction.pk])),
    ]


@pytest.mark.parametrize("role", ["member", "proxy", "operator_other"])
def test_other_roles_are_refused(
    role: str,
    routes: list[tuple[str, str]],
    make_user: Callable[..., Any],
    signed_in: Callable[[Any], Any],
) -> None:
    # operator_other: an operator who did not handle the session (tagging is theirs only for
    # their own sessions).
    user = make_user("operator" if role == "operator_other" else role)
    client = signed_in(user)
    for method, url in routes:
        assert getattr(client, method)(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(routes: list[tuple[str, str]], client: Any) -> None:
    for method, url in routes:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_supervisor_reaches_every_page(
    routes: list[tuple[str, str]], supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    client = signed_in(supervisor)
    for method, url in routes:
        assert getattr(client, method)(url).status_code in (200, 302), url


def test_operator_tags_the_sessions_they_handled_only(
    flagged_session: Any, operator: Any, signed_in: Callable[[Any], Any], make_user: Any
) -> None:
    flagged_session.summary = "予約の変更をしたいとのこと"
    flagged_session.save(update_fields=["summary"])
    url = reverse("supervision:voice-tag-summary", args=[flagged_session.pk])
    assert signed_in(operator).get(url).status_code == 200
    assert signed_in(make_user("operator")).get(url).status_code == 403
    # …and the rest of the console stays closed to them.
    assert signed_in(operator).get(reverse("supervision:voice")).status_code == 403


def test_supervisor_home_links_to_the_console(
    supervisor: Any, signed_in: Callable[[Any], Any]
) -> None:
    page = signed_in(supervisor).get("/").content.decode()
    assert reverse("supervision:home") in page
