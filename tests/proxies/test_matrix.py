"""Authorisation matrix for every Senior Support route: role × route → status, and every page
in Japanese and English has one h1 and a title."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "senior", "proxy", "stranger", "operator", "supervisor"]

# (method, path template, {role: expected status}); {g} is the senior→proxy grant, {m} the
# senior's user id. Anonymous users are sent to sign in (302) on pages, 401 on the API.
ROUTES = [
    ("get", "/proxies/", dict(senior=200, proxy=403, stranger=200, operator=403, supervisor=403)),
    (
        "get",
        "/proxies/register/",
        dict(senior=200, proxy=403, stranger=200, operator=200, supervisor=403),
    ),
    (
        "get",
        "/proxies/timeline/",
        dict(senior=200, proxy=403, stranger=200, operator=403, supervisor=403),
    ),
    (
        "get",
        "/proxies/grants/{g}/",
        dict(senior=200, proxy=200, stranger=404, operator=404, supervisor=200),
    ),
    (
        "get",
        "/proxies/grants/{g}/revoke/",
        dict(senior=200, proxy=403, stranger=404, operator=404, supervisor=200),
    ),
    (
        "get",
        "/proxies/helping/",
        dict(senior=403, proxy=200, stranger=403, operator=403, supervisor=403),
    ),
    (
        "post",
        "/proxies/act/{m}/",
        dict(senior=404, proxy=302, stranger=404, operator=404, supervisor=404),
    ),
    (
        "post",
        "/proxies/codes/{m}/",
        dict(senior=404, proxy=200, stranger=404, operator=404, supervisor=404),
    ),
    (
        "get",
        "/proxies/procedures/new/",
        dict(senior=200, proxy=302, stranger=200, operator=302, supervisor=302),
    ),
    (
        "get",
        "/proxies/review/",
        dict(senior=403, proxy=403, stranger=403, operator=403, supervisor=200),
    ),
    (
        "get",
        "/proxies/review/{g}/",
        dict(senior=403, proxy=403, stranger=404, operator=404, supervisor=200),
    ),
    (
        "get",
        "/proxies/desk/",
        dict(senior=403, proxy=403, stranger=403, operator=200, supervisor=200),
    ),
    (
        "get",
        "/api/v1/grants",
        dict(senior=200, proxy=200, stranger=200, operator=200, supervisor=200),
    ),
    (
        "post",
        "/api/v1/grants/{g}/suspend",
        dict(senior=200, proxy=403, stranger=404, operator=404, supervisor=200),
    ),
    (
        "post",
        "/api/v1/grants/{g}/approve",
        dict(senior=403, proxy=403, stranger=404, operator=404, supervisor=400),
    ),
    (
        "post",
        "/api/v1/authorizations/check",
        dict(senior=403, proxy=403, stranger=403, operator=400, supervisor=400),
    ),
    (
        "post",
        "/api/v1/proxies/codes",
        dict(senior=400, proxy=400, stranger=400, operator=400, supervisor=400),
    ),
]


@pytest.mark.parametrize(
    ("method", "template", "expected"), ROUTES, ids=[f"{m} {t}" for m, t, _ in ROUTES]
)
@pytest.mark.parametrize("role", ROLES)
def test_route_answers_each_role(
    request, signed_in, senior, proxy, active_grant, method, template, expected, role
):
    path = template.format(g=active_grant.pk, m=senior.pk)
    client = Client() if role == "anonymous" else signed_in(request.getfixturevalue(role))
    kwargs = (
        {"content_type": "application/json", "data": "{}"}
        if path.startswith("/api/") and method == "post"
        else {}
    )
    response = getattr(client, method)(path, **kwargs)
    if role == "anonymous":
        assert response.status_code == (401 if path.startswith("/api/") else 302)
    else:
        assert response.status_code == expected[role]


PAGES = [
    ("senior", "/proxies/"),
    ("senior", "/proxies/register/"),
    ("senior", "/proxies/timeline/"),
    ("senior", "/proxies/grants/{g}/"),
    ("senior", "/proxies/grants/{g}/revoke/"),
    ("senior", "/proxies/procedures/new/"),
    ("proxy", "/proxies/helping/"),
    ("operator", "/proxies/desk/"),
    ("operator", "/proxies/register/"),
    ("supervisor", "/proxies/review/"),
    ("supervisor", "/proxies/review/{g}/"),
]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize(("role", "template"), PAGES)
def test_every_page_has_one_h1_a_title_and_its_language(
    request, signed_in, active_grant, settings, role, template, language
):
    client = signed_in(request.getfixturevalue(role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(template.format(g=active_grant.pk)).content.decode()
    assert html.count("<h1") == 1
    assert f'<html lang="{language}">' in html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.split("|")[0].strip()
