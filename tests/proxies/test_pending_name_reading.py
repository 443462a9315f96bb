"""The reading of a proxy's name, from the member's registration until the proxy's own account
gives one (issue 23 item 7): a name in kanji is asked with its kana reading, kept on the grant,
and put over the name wherever it is shown with furigana on — the member's list, the notice of
the invitation, the API — and carried into the account the proxy creates from the invitation."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from django.test import Client

from access_support.accounts.models import User
from access_support.accounts.name_reading import user_set_name_reading
from proxies.models import Grant, RegistrationDraft
from tests.conftest import invite
from tests.proxies.conftest import STEP

pytestmark = pytest.mark.django_db

NAME_RUBY = (
    "<ruby>山田<rp>(</rp><rt>やまだ</rt><rp>)</rp></ruby> "
    "<ruby>次郎<rp>(</rp><rt>じろう</rt><rp>)</rp></ruby>"
)


def furigana_on(client: Client) -> Client:
    assert client.post("/i18n/reading", {"next": "/", "furigana": "on"}).status_code == 302
    return client


def field_error(html: str, name: str) -> str:
    """The message shown at the field `name`, with the control marked invalid and described by
    it (what a screen reader says when the control is focused)."""
    control = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert control is not None, f"no control {name}"
    assert 'aria-invalid="true"' in control.group(0)
    described = re.search(r'aria-describedby="([^"]*)"', control.group(0))
    assert described is not None and f"id_{name}_error" in described.group(1).split()
    message = re.search(rf'<p class="error-message" id="id_{name}_error">(.*?)</p>', html, re.S)
    assert message is not None
    return message.group(1)


def test_a_name_in_kanji_is_asked_with_its_reading_at_the_field(signed_in, senior) -> None:
    client = signed_in(senior)
    page = client.get(STEP.format("person")).content.decode()
    assert 'name="proxy_name_reading"' in page and "代理人のお名前の読み方" in page
    answer = client.post(
        STEP.format("person"), {"proxy_name": "山田 次郎", "proxy_email": "jiro@example.jp"}
    )
    assert answer.status_code == 400
    message = field_error(answer.content.decode(), "proxy_name_reading")
    assert "漢字があります" in message and "ひらがなかカタカナ" in message
    assert not RegistrationDraft.objects.filter(user=senior).exists()
    # A name in kana needs no reading.
    kana = client.post(
        STEP.format("person"), {"proxy_name": "やまだ じろう", "proxy_email": "jiro@example.jp"}
    )
    assert kana.status_code == 302


@pytest.mark.parametrize(
    "bad", ["山田 次郎", "yamada jiro", "<b>やまだ</b>", "やまだ１", "や" * 101, "%ED%A0%80"]
)
def test_a_reading_not_in_kana_is_refused_at_the_field_and_nothing_kept(
    signed_in, senior, bad
) -> None:
    client = signed_in(senior)
    # Sent as the browser's form body (a lone surrogate arrives as its UTF-8 bytes, ED A0 80).
    reading = bad if "%" in bad else quote(bad)
    body = f"proxy_name={quote('山田 次郎')}&proxy_email=jiro%40example.jp"
    body += f"&proxy_name_reading={reading}"
    answer = client.post(
        STEP.format("person"), body, content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 400
    assert field_error(answer.content.decode(), "proxy_name_reading")
    assert not RegistrationDraft.objects.filter(user=senior).exists()


def test_the_plain_wording_asks_for_the_reading_in_plain_words(signed_in, senior) -> None:
    client = signed_in(senior)
    client.post("/i18n/reading", {"next": "/", "plain": "on"})
    answer = client.post(
        STEP.format("person"), {"proxy_name": "山田 次郎", "proxy_email": "jiro@example.jp"}
    )
    html = answer.content.decode()
    assert "手伝って くれる 人の 名前の 読み方" in html
    assert "名前に 漢字が あります" in field_error(html, "proxy_name_reading")


def register_jiro(client: Client) -> None:
    client.post(
        STEP.format("person"),
        {
            "proxy_name": "山田 次郎",
            "proxy_name_reading": "やまだ　 じろう",
            "proxy_email": "jiro@example.jp",
        },
    )
    client.post(STEP.format("relationship"), {"relationship": "子"})
    client.post(STEP.format("scopes"), {"scopes": ["inquiry.points"]})
    client.post(STEP.format("end-date"), {})


def test_the_reading_is_checked_sent_and_shown_over_the_pending_name(signed_in, senior) -> None:
    client = furigana_on(signed_in(senior))
    register_jiro(client)
    check = client.get(STEP.format("check")).content.decode()
    assert "やまだ じろう" in check  # the answer as it will be kept
    assert NAME_RUBY in check
    assert client.post(STEP.format("check")).status_code == 302
    grant = Grant.objects.get(member=senior)
    assert grant.proxy is None and grant.proxy_name_reading == "やまだ じろう"
    mine = client.get("/proxies/").content.decode()
    assert NAME_RUBY in mine
    # The notice of the invitation carries the reading too.
    assert NAME_RUBY in client.get("/notices/").content.decode()
    # Without furigana the name stands as written.
    client.post("/i18n/reading", {"next": "/", "furigana": "off"})
    assert "<rt>やまだ</rt>" not in client.get("/proxies/").content.decode()


def test_the_proxy_account_made_from_the_invitation_takes_the_reading(senior) -> None:
    _grant, token = invite(
        senior, "山田 次郎", "jiro@example.jp", proxy_name_reading="やまだ じろう"
    )
    client = Client()
    made = client.post(
        f"/proxies/invitations/{token}/",
        {"action": "create_account", "username": "jiro", "password": "kazoku-no-himitsu-7"},
    )
    assert made.status_code == 302
    account = User.objects.get(username="jiro")
    assert account.name == "山田 次郎" and account.name_reading == "やまだ じろう"


def test_the_proxys_own_reading_wins_over_the_members(senior, proxy) -> None:
    grant, _token = invite(senior, proxy.name, proxy.email, proxy_name_reading="やまだ じろう")
    grant.proxy = proxy
    assert grant.proxy_reading == "やまだ じろう"  # the account has none: the member's
    user_set_name_reading(user=proxy, name_reading="ヤマダ タロウ", actor=proxy)
    assert grant.proxy_reading == "ヤマダ タロウ"
    proxy.display_name = "別の 名前"
    proxy.name_reading = ""
    assert grant.proxy_reading == ""  # another name: the member's reading is not its reading


def api_post(client: Client, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    response = client.post("/api/v1/grants", json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


BODY = {
    "proxy_name": "山田 次郎",
    "proxy_email": "jiro@example.jp",
    "relationship": "子",
    "scopes": ["inquiry.points"],
}


def test_the_api_takes_the_reading_and_refuses_one_not_in_kana(signed_in, senior) -> None:
    client = signed_in(senior)
    for bad in ("山田", 12, ["やまだ"], "や" * 101):
        status, body = api_post(client, {**BODY, "proxy_name_reading": bad})
        assert status == 400 and body["error"] == "invalid_field", bad
        assert body.get("field") == "proxy_name_reading", bad
    assert not Grant.objects.filter(member=senior).exists()
    status, body = api_post(client, {**BODY, "proxy_name_reading": "ヤマダ ジロウ"})
    assert status == 201
    assert body["proxy"] == {  # type: ignore[comparison-overlap]
        "name": "山田 次郎",
        "name_reading": "ヤマダ ジロウ",
        "email": "jiro@example.jp",
    }
    assert Grant.objects.get(member=senior).proxy_name_reading == "ヤマダ ジロウ"


def test_the_api_reading_may_be_left_out(signed_in, senior) -> None:
    status, body = api_post(signed_in(senior), {**BODY, "proxy_email": "other@example.jp"})
    assert status == 201 and body["proxy"]["name_reading"] == ""  # type: ignore[index]
