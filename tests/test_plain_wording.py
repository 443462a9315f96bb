"""Issue 23 item 7: plain Japanese and furigana everywhere a member, proxy or customer reads.

Django's 「このフィールドは必須です。」 is replaced site-wide by a message that says what to do, in
the reader's wording; labels and choices keep the plain wording after an error; the check-your-
answers page, the header, the footer and the notices follow the reading aids."""

from __future__ import annotations

import importlib
import re

import pytest
from django import forms

from tests.conftest import invite

pytestmark = pytest.mark.django_db

DJANGO_REQUIRED = "このフィールドは必須です"
REQUIRED_PLAIN = "ここが 空いて います。答えを 書くか、えらんで ください。"
REQUIRED_STANDARD = "ここが空欄です。答えを入力するか、選んでください。"
STEP = "/proxies/register/{}/"


def plain(user, *, furigana: bool = False):
    user.plain_japanese = True
    user.furigana = furigana
    user.save(update_fields=["plain_japanese", "furigana"])
    return user


@pytest.fixture
def open_now(monkeypatch):
    # Talk now answers only in service hours: open whatever the time of the test run.
    monkeypatch.setattr("signlanguage.booking.availability.is_open_at", lambda now: True)


# --- the required-field message --------------------------------------------------------------


def test_no_form_field_keeps_djangos_required_message():
    modules = [
        "access_support.accounts.forms",
        "proxies.forms",
        "signlanguage.booking.forms",
        "signlanguage.live.forms",
        "supervision.forms",
    ]
    generic = []
    for name in modules:
        for form in vars(importlib.import_module(name)).values():
            if isinstance(form, type) and issubclass(form, forms.BaseForm):
                for field_name, field in form.base_fields.items():
                    if DJANGO_REQUIRED in str(field.error_messages["required"]):
                        generic.append(f"{form.__name__}.{field_name}")
    assert not generic


def test_no_page_in_plain_mode_shows_djangos_required_message(
    client, signed_in, senior, proxy, open_now
):
    """Each form a member, proxy or visitor meets, sent empty, with plain Japanese on."""
    client.cookies["as_reading"] = "plain"
    pages = [client.post("/accounts/login/", {}), client.post("/accounts/forgot-password/", {})]
    member = signed_in(plain(senior))
    pages += [
        member.post("/proxies/register/", {}),
        member.post(STEP.format("person"), {}),
        member.post(STEP.format("relationship"), {}),
        member.post(STEP.format("scopes"), {}),
        member.post("/sessions/now/", {}),
        member.post("/sessions/now/", {"mode": "written_chat"}),
    ]
    helper = signed_in(plain(proxy))
    pages.append(helper.post("/accounts/security/", {}))
    for response in pages:
        html = response.content.decode()
        assert DJANGO_REQUIRED not in html, response.request["PATH_INFO"]
    talk_now = pages[-2].content.decode()
    assert REQUIRED_PLAIN in talk_now


def test_the_required_message_says_what_to_do_in_standard_wording(signed_in, senior, open_now):
    html = signed_in(senior).post("/sessions/now/", {"mode": "written_chat"}).content.decode()
    assert REQUIRED_STANDARD in html and DJANGO_REQUIRED not in html


# --- labels and choices keep the plain wording, errors included --------------------------------


def test_registration_labels_stay_plain_after_an_error(signed_in, senior):
    html = signed_in(plain(senior)).post("/proxies/register/", {}).content.decode()
    assert html.count("手伝って くれる 人の 名前") >= 2  # the label and the error summary
    assert "その 人は あなたの だれですか" in html
    assert "代理人に たのむ こと" in html


def test_relationship_and_scope_choices_have_a_plain_wording(signed_in, senior):
    client = signed_in(plain(senior))
    relationship = client.get(STEP.format("relationship")).content.decode()
    for word in ("夫 または 妻", "きょうだい", "ほかの しんせき"):
        assert word in relationship
    for word in ("配偶者", "兄弟姉妹", "その他親族"):  # still the stored values, never shown
        assert f"> {word}</label>" not in relationship
    scopes = client.post(STEP.format("scopes"), {}).content.decode()
    assert "カードを なくした こと・ぬすまれた ことを 知らせる" in scopes
    assert "紛失・盗難の届け出" not in scopes
    # Without the choice, the standard words.
    senior.plain_japanese = False
    senior.save(update_fields=["plain_japanese"])
    standard = signed_in(senior).get(STEP.format("relationship")).content.decode()
    assert "> 兄弟姉妹</label>" in standard and "夫 または 妻" not in standard


def test_the_request_kinds_have_a_plain_wording():
    from django.utils import translation

    from access_support import request_context
    from proxies.forms import ProcedureForm

    class Request:
        COOKIES = {"as_reading": "plain"}
        user = None

    token = request_context.request.set(Request())
    try:
        with translation.override("ja"):
            labels = [str(label) for _v, label in ProcedureForm().fields["kind"].choices]
    finally:
        request_context.request.reset(token)
    assert "つかった お金と しはらいに ついて 聞く" in labels
    assert not any("照会" in label or "紛失・盗難" in label for label in labels)


def test_the_check_your_answers_page_is_plain(signed_in, senior):
    client = signed_in(plain(senior))
    client.post(
        STEP.format("person"),
        {
            "proxy_name": "山田 太郎",
            "proxy_name_reading": "やまだ たろう",
            "proxy_email": "t@example.jp",
        },
    )
    client.post(STEP.format("relationship"), {"relationship": "兄弟姉妹"})
    client.post(STEP.format("scopes"), {"scopes": ["procedure.lost_card"]})
    client.post(STEP.format("end-date"), {})
    html = client.get(STEP.format("check")).content.decode()
    title = html.split("<title>")[1].split("</title>")[0]
    assert "答えを 見なおす" in title
    for word in ("手伝って くれる 人の 名前", "きょうだい", "いつまで", "きめて いません"):
        assert word in html
    for word in ("兄弟姉妹", "紛失・盗難の届け出", "終了日"):
        assert word not in html


# --- furigana beyond the page's content: menu, notices, footer ------------------------------


def test_the_relationship_choices_have_furigana_over_every_kanji(signed_in, senior):
    """With plain Japanese and furigana on, the relationship labels (夫 または 妻, 兄・弟・姉・妹,
    親（父 または 母）) carry ruby over each kanji: none stands outside <ruby>."""
    client = signed_in(plain(senior, furigana=True))
    html = client.get(STEP.format("relationship")).content.decode()
    labels = re.findall(r'<label for="id_relationship_\d+">.*?</label>', html, re.S)
    assert len(labels) >= 7
    bare = [re.sub(r"<ruby>.*?</ruby>|<[^>]+>", "", label, flags=re.S) for label in labels]
    assert not [text for text in bare if re.search(r"[\u4e00-\u9fff]", text)]
    assert "<rt>おっと</rt>" in html and "<rt>いもうと</rt>" in html and "<rt>はは</rt>" in html


def section(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


def test_furigana_cover_the_menu_the_notices_and_the_footer(signed_in, senior):
    senior.furigana = True
    senior.save(update_fields=["furigana"])
    client = signed_in(senior)
    client.post(
        STEP.format("person"),
        {
            "proxy_name": "山田 太郎",
            "proxy_name_reading": "やまだ たろう",
            "proxy_email": "t@example.jp",
        },
    )
    client.logout()  # the idle sign-out: the next session is told the answers were kept
    html = signed_in(senior).get("/proxies/register/", follow=True).content.decode()
    menu = section(html, '<nav class="wrap site-nav"', "</nav>")
    assert "<ruby>代理人<rp>(</rp><rt>だいりにん</rt>" in menu
    assert "<rt>せってい</rt>" in menu
    notices = section(html, '<div class="notices"', "</div>")
    assert "<ruby>前回<rp>(</rp><rt>ぜんかい</rt>" in notices
    footer = section(html, '<footer class="site-footer">', "</footer>")
    for reading in ("うけつけじかん", "もじ", "でんわ", "ふんしつ", "きんきゅう"):
        assert f"<rt>{reading}</rt>" in footer, reading
    # Attribute values and the <title> stay as they are.
    assert "<ruby>" not in section(html, "<title>", "</title>")


def test_the_timeout_warning_has_a_plain_wording_and_furigana(signed_in, senior):
    html = signed_in(plain(senior, furigana=True)).get("/proxies/").content.decode()
    dialog = section(html, '<dialog id="idle-dialog"', "</dialog>")
    # The sentences the script shows keep the site's words (ログアウト, 「延長する」).
    assert 'data-text-session="何も しないと、あと {minutes}分ぐらいで ログアウトします。' in dialog
    assert "「延長する」を おして ください" in dialog
    assert "このまま つづけますか？" in dialog
    assert "<ruby>画面<rp>(</rp><rt>がめん</rt>" in dialog
    assert (
        "data-idle-extend><ruby>延長<rp>(</rp><rt>えんちょう</rt><rp>)</rp></ruby>する</button>"
        in dialog
    )


def test_the_check_your_answers_page_keeps_its_standard_labels(signed_in, senior):
    client = signed_in(senior)
    client.post(
        STEP.format("person"),
        {
            "proxy_name": "山田 太郎",
            "proxy_name_reading": "やまだ たろう",
            "proxy_email": "t@example.jp",
        },
    )
    client.post(STEP.format("relationship"), {"relationship": "兄弟姉妹"})
    client.post(STEP.format("scopes"), {"scopes": ["procedure.lost_card"]})
    client.post(STEP.format("end-date"), {})
    html = client.get(STEP.format("check")).content.decode()
    assert "<dt>終了日</dt>" in html and "兄弟姉妹" in html and "いつまで" not in html


def test_the_sign_in_code_page_has_a_plain_wording(client, senior):
    client.force_login(senior)  # the password given, the code still to enter
    client.cookies["as_reading"] = "plain-furigana"
    html = client.get("/accounts/otp/").content.decode()
    assert "確認コードを 入れる" in section(html, "<title>", "</title>")
    main = section(html, '<main id="main"', "</main>")
    shown = re.sub(r"<rt>.*?</rt>|<rp>.*?</rp>|<[^>]+>", "", main)
    for words in (
        "確認コードを 入れる",
        "メールに ある 確認コードを",
        "メールが 来ない ときは",
        "いちばん 新しい メールの",
    ):
        assert words in shown, words
    assert "<rt>かくにん</rt>" in main


def test_the_registration_questions_title_and_heading_are_plain(signed_in, senior):
    html = signed_in(plain(senior)).get(STEP.format("relationship")).content.decode()
    assert "代理人を 登録する：しつもん 2 / 4" in section(html, "<title>", "</title>")
    assert "<h1>代理人を 登録する</h1>" in html and "しつもん 2 / 4" in html
    assert "質問 2 / 4" not in html


def test_registration_errors_say_how_to_fix_in_plain_words(signed_in, senior):
    client = signed_in(plain(senior))
    person = client.post(STEP.format("person"), {"proxy_email": "not-an-address"})
    html = person.content.decode()
    assert "手伝って くれる 人の 名前を 書いて ください。" in html
    assert "メールアドレスを name@example.jp の ように 書いて ください。" in html
    html = client.post(STEP.format("relationship"), {}).content.decode()
    assert "その 人が あなたの だれか、1つ えらんで ください。" in html
    html = client.post(STEP.format("scopes"), {}).content.decode()
    assert "代理人に たのむ ことを、1つか それより 多く えらんで ください。" in html
    # The check page sends an unanswered question back with a plain reason.
    page = client.get(STEP.format("check"), follow=True).content.decode()
    assert "先に この しつもんに こたえて ください。" in page


def test_the_footer_has_a_plain_wording(client, signed_in, senior):
    html = signed_in(plain(senior)).get("/proxies/").content.decode()
    footer = section(html, '<footer class="site-footer">', "</footer>")
    for words in (
        "（日本の 時間）です。",
        "わたしたちから 電話を する ことは ありません。",
        "予約の 日時が 近づいたら、メールで 知らせます。",
        "時間外・カードを なくした とき・いそぐ ときの 案内",
    ):
        assert words in footer, words
    client.cookies["as_reading"] = "plain"
    signed_out = section(client.get("/help/").content.decode(), "<footer", "</footer>")
    assert "ログインして、筆談で 相談する・日時を 予約する" in signed_out


def test_the_same_strings_are_plain_on_my_proxies_and_a_grant(signed_in, senior):
    grant, _token = invite(senior, "山田 太郎", "taro@example.jp", ends_on=None)
    client = signed_in(plain(senior))
    assert "代理人を 登録する" in client.get("/proxies/").content.decode()
    html = client.get(f"/proxies/grants/{grant.pk}/").content.decode()
    assert "いつまで" in html and "きめて いません" in html and "終了日" not in html


def test_the_menu_headings_and_choices_are_plain_on_the_members_pages(signed_in, senior, open_now):
    grant, _token = invite(senior, "山田 太郎", "taro@example.jp", ends_on=None)
    client = signed_in(plain(senior))
    html = client.get("/proxies/").content.decode()
    menu = section(html, '<nav class="wrap site-nav"', "</nav>")
    assert "あなたの 代理人" in menu and "ログインの 設定" in menu and "わたしの代理人" not in menu
    assert "手話と 筆談（文字で 話す）" in menu and "手話・筆談" not in menu
    assert "<h1>あなたの 代理人</h1>" in html and "（子）" not in html
    assert "<h1>ログインの 設定</h1>" in client.get("/accounts/security/").content.decode()
    for page in ("/sessions/book/", "/sessions/now/"):
        html = client.get(page).content.decode()
        assert "手話の ビデオ" in html and "手話（ビデオ）" not in html, page
