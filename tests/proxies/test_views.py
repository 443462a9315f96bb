"""Senior Support pages: who sees what, acting on behalf, the desk, and query counts."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from access_support.audit import services as audit
from proxies import acting, services
from proxies.models import Procedure
from tests.conftest import invite

pytestmark = pytest.mark.django_db


def test_my_proxies_lists_the_members_grants_in_japanese(signed_in, senior, active_grant):
    page = signed_in(senior).get("/proxies/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "代理人" in html and "山田 太郎" in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize(
    ("path", "role_ok", "role_wrong"),
    [
        ("/proxies/", "senior", "proxy"),
        ("/proxies/timeline/", "senior", "operator"),
        ("/proxies/helping/", "proxy", "senior"),
        ("/proxies/review/", "supervisor", "operator"),
        ("/proxies/desk/", "operator", "proxy"),
        ("/proxies/register/", "senior", "proxy"),
    ],
)
def test_each_page_is_for_its_role(request, signed_in, path, role_ok, role_wrong):
    assert signed_in(request.getfixturevalue(role_ok)).get(path).status_code == 200
    assert signed_in(request.getfixturevalue(role_wrong)).get(path).status_code == 403


def test_pages_need_the_second_factor(senior):
    client = Client()
    client.force_login(senior)
    assert client.get("/proxies/").status_code == 302


def test_grant_detail_owner_allowed_stranger_404(signed_in, senior, proxy, stranger, active_grant):
    path = f"/proxies/grants/{active_grant.pk}/"
    assert signed_in(senior).get(path).status_code == 200
    assert signed_in(proxy).get(path).status_code == 200
    assert signed_in(stranger).get(path).status_code == 404
    assert signed_in(stranger).get("/proxies/grants/999999/").status_code == 404


def test_the_proxy_cannot_revoke_from_the_page(signed_in, proxy, active_grant):
    assert signed_in(proxy).post(f"/proxies/grants/{active_grant.pk}/revoke/").status_code == 403


def test_revoking_asks_for_one_confirmation(signed_in, senior, active_grant):
    client = signed_in(senior)
    path = f"/proxies/grants/{active_grant.pk}/revoke/"
    assert "はい" in client.get(path).content.decode()
    active_grant.refresh_from_db()
    assert active_grant.state == "active"
    assert client.post(path).status_code == 302
    active_grant.refresh_from_db()
    assert active_grant.state == "revoked"


def test_a_member_changes_scopes_and_pauses_from_the_page(signed_in, senior, active_grant):
    client = signed_in(senior)
    path = f"/proxies/grants/{active_grant.pk}/"
    client.post(path, {"scopes": ["inquiry.points"]})
    active_grant.refresh_from_db()
    assert active_grant.scopes == ["inquiry.points"]
    client.post(f"/proxies/grants/{active_grant.pk}/suspend/")
    active_grant.refresh_from_db()
    assert active_grant.state == "suspended"


def test_registering_with_errors_shows_the_summary_and_keeps_the_input(signed_in, senior):
    page = signed_in(senior).post("/proxies/register/", {"proxy_name": "山田 太郎"})
    html = page.content.decode()
    assert page.status_code == 400
    assert 'class="error-summary"' in html and "山田 太郎" in html


def test_registering_from_the_page_with_a_date_in_three_fields(signed_in, senior):
    response = signed_in(senior).post(
        "/proxies/register/",
        {
            "proxy_name": "山田 太郎",
            "proxy_name_reading": "やまだ たろう",
            "proxy_email": "helper@example.jp",
            "relationship": "子",
            "scopes": ["inquiry.points"],
            "ends_year": "２０９９",
            "ends_month": "3",
            "ends_day": "31",
        },
    )
    assert response.status_code == 302
    grant = senior.grants_given.get()
    assert grant.ends_on.isoformat() == "2099-03-31"


def test_an_operator_registers_a_proxy_for_a_member(signed_in, operator, senior):
    response = signed_in(operator).post(
        "/proxies/register/",
        {
            "member_number": "1234 567 890",
            "proxy_name": "山田 太郎",
            "proxy_name_reading": "やまだ たろう",
            "proxy_email": "helper@example.jp",
            "relationship": "配偶者",
            "scopes": ["inquiry.points"],
        },
    )
    assert response.status_code == 302
    assert senior.grants_given.get().created_by == operator


def test_acting_for_a_member_shows_the_banner_with_a_way_out(
    signed_in, proxy, senior, active_grant
):
    client = signed_in(proxy)
    assert client.post(f"/proxies/act/{senior.pk}/").status_code == 302
    html = client.get("/").content.decode()
    banner = html[html.index('class="acting-banner"') : html.index("</header>")]
    assert "山田 花子" in banner and "代理" in banner
    assert 'action="/proxies/act/stop/"' in banner
    client.post("/proxies/act/stop/")
    assert "acting-banner" not in client.get("/").content.decode()


def test_acting_for_a_member_without_a_grant_is_404(signed_in, proxy, member_b, active_grant):
    assert signed_in(proxy).post(f"/proxies/act/{member_b.pk}/").status_code == 404


def _acting_idle_for(client, senior, minutes):
    """The proxy's `client`, acting for `senior` and idle for the last `minutes`."""
    client.post(f"/proxies/act/{senior.pk}/")
    session = client.session
    session[acting.SESSION_KEY] = {"member_id": senior.pk, "seen": time.time() - minutes * 60}
    session.save()
    return client


def test_the_acting_context_ends_after_thirty_minutes_idle(signed_in, proxy, senior, active_grant):
    client = _acting_idle_for(signed_in(proxy), senior, minutes=31)
    assert "acting-banner" not in client.get("/").content.decode()


def test_revoking_ends_an_open_acting_context_at_once(signed_in, proxy, senior, active_grant):
    client = signed_in(proxy)
    client.post(f"/proxies/act/{senior.pk}/")
    services.grant_revoke(grant=active_grant, actor=senior)
    assert "acting-banner" not in client.get("/").content.decode()
    response = client.post("/proxies/procedures/new/", {"kind": "lost_card", "details": "x"})
    assert response.status_code == 302
    assert not Procedure.objects.exists()


def test_a_procedure_filed_while_acting_carries_filed_by_and_on_behalf_of(
    signed_in, proxy, senior, active_grant
):
    client = signed_in(proxy)
    client.post(f"/proxies/act/{senior.pk}/")
    response = client.post(
        "/proxies/procedures/new/", {"kind": "address_change", "details": "東京都港区1-2-3へ転居"}
    )
    assert response.status_code == 302
    procedure = Procedure.objects.get()
    assert (procedure.filed_by, procedure.on_behalf_of) == (proxy, senior)


def test_a_proxy_without_the_scope_cannot_file_the_procedure(signed_in, proxy, senior, make_grant):
    make_grant(senior, proxy, scopes=["inquiry.points"])
    client = signed_in(proxy)
    client.post(f"/proxies/act/{senior.pk}/")
    page = client.post(
        "/proxies/procedures/new/", {"kind": "lost_card", "details": "紛失"}, follow=True
    )
    assert not Procedure.objects.exists()
    html = page.content.decode()
    # Issue 26 item 2: a refusal is said as one, never in the success style.
    assert '<p class="notice notice-error"><strong class="notice-label">できませんでした：' in html
    assert "許可していません" in html
    assert "notice-success" not in html


def test_a_proxy_is_offered_only_the_requests_the_grant_allows(
    signed_in, proxy, senior, make_grant
):
    make_grant(senior, proxy, scopes=["procedure.address_change", "session.book"])
    client = signed_in(proxy)
    client.post(f"/proxies/act/{senior.pk}/")
    html = client.get("/proxies/procedures/new/").content.decode()
    assert 'value="address_change"' in html
    assert 'value="lost_card"' not in html and 'value="payment_method"' not in html
    # A crafted post of a request the grant does not allow is refused and stores nothing.
    refused = client.post("/proxies/procedures/new/", {"kind": "lost_card", "details": "紛失"})
    assert refused.status_code == 400 and not Procedure.objects.exists()


def test_refusals_and_successes_look_different_in_the_stylesheet():
    import re
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "site.css").read_text()

    def rule(selector: str) -> str:
        found = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
        assert found, selector
        return found.group(1)

    error, success = rule(".notice-error"), rule(".notice-success")
    assert "var(--error)" in error and "background" in error
    assert re.search(r"background:\s*([^;]+)", error).group(1) != re.search(
        r"background:\s*([^;]+)", success
    ).group(1)


def test_the_proxy_sees_a_code_to_show_the_desk(signed_in, proxy, senior, active_grant):
    page = signed_in(proxy).post(f"/proxies/codes/{senior.pk}/")
    assert page.status_code == 200
    assert "確認コード" in page.content.decode()


def test_the_desk_page_shows_the_decision(signed_in, operator, proxy, senior, active_grant):
    code, _ = services.code_issue(proxy=proxy, member=senior)
    page = signed_in(operator).post(
        "/proxies/desk/",
        {"member_number": "1234567890", "code": code, "action": "inquiry.statement"},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "<code>ok</code>" in html and "山田 太郎" in html


def test_the_supervisor_approves_from_the_review_page(
    signed_in, supervisor, senior, proxy, make_grant
):
    grant = make_grant(senior, proxy, state="pending_review")
    client = signed_in(supervisor)
    assert "山田 太郎" in client.get("/proxies/review/").content.decode()
    missing = client.post(f"/proxies/review/{grant.pk}/", {"action": "approve"})
    assert missing.status_code == 400
    client.post(
        f"/proxies/review/{grant.pk}/",
        {"action": "approve", "documents": ["運転免許証", "戸籍謄本"]},
    )
    grant.refresh_from_db()
    assert grant.state == "active"
    assert grant.documents_checked == ["運転免許証", "戸籍謄本"]


def test_a_member_cannot_open_the_review_page_of_their_grant(signed_in, senior, make_grant, proxy):
    grant = make_grant(senior, proxy, state="pending_review")
    assert signed_in(senior).get(f"/proxies/review/{grant.pk}/").status_code == 403


def test_english_is_available(signed_in, senior, settings):
    client = signed_in(senior)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "My proxies" in client.get("/proxies/").content.decode()


# --- query counts do not grow with the data ------------------------------------------------


def _many_grants(make_user, make_grant, senior, supervisor, n):
    for _ in range(n):
        helper = make_user("proxy")
        grant = make_grant(senior, helper, state="pending_review")
        audit.record(
            action="proxy.decision",
            actor=helper,
            subject_user=senior,
            obj=grant,
            reason="ok",
            after={"action": "inquiry.points", "allowed": True},
        )


@pytest.mark.parametrize(
    "path,who",
    [
        ("/proxies/", "senior"),
        ("/proxies/timeline/", "senior"),
        ("/proxies/review/", "supervisor"),
    ],
)
def test_list_pages_have_a_fixed_number_of_queries(
    request,
    signed_in,
    make_user,
    make_grant,
    senior,
    supervisor,
    django_assert_max_num_queries,
    path,
    who,
    settings,
):
    settings.PROXY_MAX_GRANTS = 100
    _many_grants(make_user, make_grant, senior, supervisor, 2)
    client = signed_in(request.getfixturevalue(who))
    client.get(path)
    _many_grants(make_user, make_grant, senior, supervisor, 15)
    with django_assert_max_num_queries(14):
        assert client.get(path).status_code == 200


def test_the_helping_page_has_a_fixed_number_of_queries(
    signed_in, make_user, make_grant, proxy, django_assert_max_num_queries
):
    for _ in range(12):
        make_grant(make_user("member"), proxy)
    client = signed_in(proxy)
    with django_assert_max_num_queries(14):
        assert client.get("/proxies/helping/").status_code == 200


def _invitation_token(senior):
    """The token of a fresh invitation from `senior` to 山田 太郎 (t@example.jp)."""
    _, token = invite(senior)
    return token


def test_an_invitation_can_be_declined_without_signing_in(senior):
    token = _invitation_token(senior)
    client = Client()
    assert client.post(f"/proxies/invitations/{token}/", {"action": "decline"}).status_code == 200
    assert senior.grants_given.get().state == "declined"
    assert client.post(f"/proxies/invitations/{token}/", {"action": "decline"}).status_code == 410


def test_an_unknown_invitation_is_404(client):
    assert client.get("/proxies/invitations/not-a-token/").status_code == 404


def test_the_timeline_shows_decisions_in_words_but_not_sign_ins(
    signed_in, senior, proxy, active_grant
):
    services.authorize(actor=proxy, member=senior, action="cash_advance", verified=True)
    html = signed_in(senior).get("/proxies/timeline/").content.decode()
    assert "お断り：キャッシング" in html
    assert "auth." not in html


def test_a_weak_password_on_the_invitation_page_is_explained_not_a_crash(senior):
    token = _invitation_token(senior)
    page = Client().post(
        f"/proxies/invitations/{token}/",
        {"action": "create_account", "username": "taro san", "password": "password"},
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert 'class="error-summary"' in html and 'href="#id_username"' in html


def test_error_summary_links_reach_radio_and_checkbox_groups(signed_in, senior):
    html = signed_in(senior).post("/proxies/register/", {}).content.decode()
    assert 'href="#id_relationship"' in html and 'id="id_relationship"' in html
    assert 'href="#id_scopes"' in html and 'id="id_scopes"' in html


def test_activity_keeps_the_acting_context_alive(signed_in, proxy, senior, active_grant):
    client = _acting_idle_for(signed_in(proxy), senior, minutes=29)
    assert "acting-banner" in client.get("/").content.decode()
    assert time.time() - client.session[acting.SESSION_KEY]["seen"] < 60
