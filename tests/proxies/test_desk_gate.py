"""Issue 25 item 2: who may use the verification desk is decided in one place, the service's
`desk_open`, for the page (GET and POST) and the API alike. Turning the one rule off for an
operator closes every door; nothing else in the app asks the policy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from proxies import policies, services

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_one_rule_closes_the_page_the_form_and_the_api(
    signed_in, make_grant, senior, proxy, operator, monkeypatch
):
    make_grant(senior, proxy, scopes=["inquiry.statement"])
    code, record = services.code_issue(proxy=proxy, member=senior)
    client = signed_in(operator)
    body = {"member_number": senior.member_number, "code": code, "action": "inquiry.statement"}
    assert client.get("/proxies/desk/").status_code == 200

    monkeypatch.setattr(policies, "can_use_desk", lambda actor: False)
    assert client.get("/proxies/desk/").status_code == 403
    assert client.post("/proxies/desk/", body).status_code == 403
    api = client.post(
        "/api/v1/authorizations/check", json.dumps(body), content_type="application/json"
    )
    assert (api.status_code, api.json()["error"]) == (403, "forbidden")
    # A malformed body from someone who may not use the desk is refused for who they are.
    assert client.post("/api/v1/authorizations/check", "{}", "application/json").status_code == 403
    with pytest.raises(services.GrantError):
        services.desk_check(operator=operator, **{k: body[k] for k in body})
    record.refresh_from_db()
    assert record.used_at is None  # nothing was checked, so the code is still good


def test_the_policy_is_asked_only_by_the_service():
    found = subprocess.run(
        [
            "grep",
            "-rn",
            "can_use_desk",
            "--include=*.py",
            "access_support",
            "proxies",
            "signlanguage",
            "supervision",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    callers = sorted({line.split(":", 1)[0] for line in found})
    assert callers == ["proxies/policies.py", "proxies/services.py"], found
