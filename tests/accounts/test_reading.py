"""Plain Japanese wording and furigana: off by default, remembered (user and cookie), switchable
from every page without leaving it, Japanese only, and never a way to inject markup."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

from access_support.accounts import reading
from access_support.accounts.name_reading import user_set_name_reading
from access_support.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

KEY_PAGES = [
    "/",
    "/proxies/register/",
    "/sessions/book/",
    "/sessions/now/",
    "/sessions/",
]


def main_of(html: str) -> str:
    return html[html.index('<main id="main"') : html.index("</main>")]


def switch(client: Client, next_path: str, **choice: str) -> str:
    response = client.post("/i18n/reading", {"next": next_path, **choice})
    assert response.status_code == 302
    return str(response["Location"])


def test_reading_aids_are_off_by_default(signed_in, senior) -> None:
    client = signed_in(senior)
    for path in KEY_PAGES:
        html = client.get(path).content.decode()
        assert "<ruby>" not in html, path
        assert 'name="furigana" value="on"' in html and 'name="plain" value="on"' in html
    assert "<ruby>" not in Client().get("/accounts/login/").content.decode()


def test_turning_furigana_on_shows_ruby_on_the_key_pages(signed_in, senior) -> None:
    client = signed_in(senior)
    switch(client, "/", furigana="on")
    for path in KEY_PAGES:
        html = main_of(client.get(path).content.decode())
        assert "<ruby>" in html and "<rt>" in html, path
    home = main_of(client.get("/").content.decode())
    assert "<ruby>予約<rp>(</rp><rt>よやく</rt><rp>)</rp></ruby>" in home
    register = main_of(client.get("/proxies/register/").content.decode())
    assert "<ruby>代理人<rp>(</rp><rt>だいりにん</rt><rp>)</rp></ruby>" in register
    mine = main_of(client.get("/sessions/").content.decode())
    assert "<ruby>手話<rp>(</rp><rt>しゅわ</rt><rp>)</rp></ruby>" in mine
    assert "<ruby>筆談<rp>(</rp><rt>ひつだん</rt><rp>)</rp></ruby>" in mine


def test_plain_japanese_changes_the_wording_of_the_key_pages(signed_in, senior) -> None:
    client = signed_in(senior)
    before = {path: main_of(client.get(path).content.decode()) for path in KEY_PAGES}
    switch(client, "/", plain="on")
    for path in KEY_PAGES:
        after = main_of(client.get(path).content.decode())
        assert after != before[path], f"{path} has no plain wording"
    assert "いますぐ 話す" in client.get("/sessions/now/").content.decode()
    assert "つぎへ" in client.get("/proxies/register/").content.decode()


def test_english_is_unchanged_by_the_aids(signed_in, senior) -> None:
    client = signed_in(senior)
    switch(client, "/", plain="on")
    switch(client, "/", furigana="on")
    client.cookies["as_language"] = "en"
    html = client.get("/sessions/book/").content.decode()
    assert "<ruby>" not in html
    assert "<h1>Book a time</h1>" in html and "Show free times" in html
    assert 'class="reading-switch"' not in html


def test_the_choice_is_remembered_on_the_user_after_signing_out(signed_in, senior) -> None:
    client = signed_in(senior)
    switch(client, "/", furigana="on")
    switch(client, "/", plain="on")
    senior.refresh_from_db()
    assert senior.furigana and senior.plain_japanese
    client.post("/accounts/logout/")
    # Another device, no cookie: signing in brings the choice back.
    elsewhere = signed_in(senior)
    assert "<ruby>" in elsewhere.get("/").content.decode()
    event = AuditEvent.objects.filter(action="user.reading_changed").last()
    assert event is not None and event.after == {"plain_japanese": True, "furigana": True}


def test_a_visitor_who_is_not_signed_in_keeps_the_choice_in_a_cookie() -> None:
    client = Client()
    assert switch(client, "/accounts/login/", furigana="on", plain="on") == "/accounts/login/"
    assert client.cookies[reading.COOKIE_NAME].value == "plain-furigana"
    for _ in range(2):  # across requests
        html = client.get("/accounts/login/").content.decode()
        assert "<ruby>" in html and "ログインは 2つの" in html
    switch(client, "/accounts/login/", furigana="off", plain="off")
    assert "<ruby>" not in client.get("/accounts/login/").content.decode()


def test_a_choice_made_on_the_sign_in_page_survives_signing_in(senior) -> None:
    client = Client()
    switch(client, "/accounts/login/", furigana="on")
    client.post("/accounts/login/", {"username": "senior", "password": PASSWORD})
    from tests.conftest import verify_session

    verify_session(client, senior)
    assert "<ruby>" in client.get("/").content.decode()
    switch(client, "/", furigana="off")
    assert "<ruby>" not in client.get("/").content.decode()


def test_the_switch_keeps_the_user_on_the_same_page(signed_in, senior) -> None:
    client = signed_in(senior)
    assert switch(client, "/sessions/book/?m=sign_language", plain="on") == (
        "/sessions/book/?m=sign_language"
    )
    assert switch(client, "https://evil.example/", furigana="on") == "/"
    html = client.get("/proxies/").content.decode()
    assert 'name="next" value="/proxies/"' in html.split('class="reading-switch"')[1]


def test_user_text_stays_text_with_furigana_on(signed_in, make_user) -> None:
    member = make_user(display_name='<script>alert("予約")</script>予約')
    client = signed_in(member)
    switch(client, "/", furigana="on", plain="on")
    html = client.get("/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;<ruby>予約" in html


def test_furigana_never_enter_tags_attributes_or_form_fields() -> None:
    html = (
        '<p title="予約">予約</p><textarea name="t">予約</textarea>'
        '<select><option value="a">予約</option></select><ruby>予約<rt>よやく</rt></ruby>'
        '<input value="代理人"><script>var s = "予約";</script>'
    )
    out = reading.furigana_html(html)
    assert out.count("<ruby>") == 2
    assert '<p title="予約"><ruby>予約' in out
    assert '<textarea name="t">予約</textarea>' in out
    assert '<option value="a">予約</option>' in out
    assert 'var s = "予約";' in out


def test_ruby_covers_only_the_kanji_of_a_word_with_okurigana() -> None:
    assert reading.ruby_for("引き受け") == (
        "<ruby>引<rp>(</rp><rt>ひ</rt><rp>)</rp></ruby>き"
        "<ruby>受<rp>(</rp><rt>う</rt><rp>)</rp></ruby>け"
    )


def test_every_word_in_the_dictionary_lines_up_with_its_reading() -> None:
    kanji = re.compile(r"[\u4e00-\u9fff]")
    for word, kana in reading.READINGS.items():
        assert kanji.search(word), word
        assert not kanji.search(kana), word
        assert "<ruby>" + word not in reading.ruby_for(word) or word.isascii() is False


def _readings(text: str) -> str:
    """Annotated text as 語[ご], to compare readings at a glance."""
    html = reading.furigana_text(text)
    html = re.sub(r"<rp>\(</rp><rt>(.*?)</rt><rp>\)</rp>", r"[\1]", html)
    return html.replace("<ruby>", "").replace("</ruby>", "")


def test_dates_and_counted_numbers_are_read_from_the_number() -> None:
    assert _readings("2026年12月4日（金）") == "2026年[ねん]12月[がつ]4日[よっか]（金[きん]）"
    assert _readings("12月29日から1月3日") == "12月[がつ]29日[にち]から1月[がつ]3日[みっか]"
    assert _readings("1月1日、1日だけ") == "1月[がつ]1日[ついたち]、1日[いちにち]だけ"
    assert _readings("全12件のうち1〜10件目") == "全[ぜん]12件[けん]のうち1〜10件目[けんめ]"
    assert _readings("110番、3 番目") == "110番[ばん]、3 番目[ばんめ]"
    # A bracket after a date holds a weekday; 日本 in brackets is a word.
    assert _readings("(日本時間)") == "(日本時間[にほんじかん])"


def test_a_kanji_read_by_its_sentence_is_read_in_its_phrase() -> None:
    assert _readings("話す 日と 時間") == "話[はな]す 日[ひ]と 時間[じかん]"
    assert _readings("休みの 日でも") == "休[やす]みの 日[ひ]でも"


# --- people's names (issue 23 item 7) ---------------------------------------------------------


def test_a_name_is_read_with_the_reading_stored_for_it(signed_in, make_user) -> None:
    """A name has no dictionary reading: its owner's stored reading (フリガナ) goes over it
    wherever it is shown, part by part; a name without a stored reading stays as it is."""
    member = make_user(display_name="山田 花子")
    user_set_name_reading(user=member, name_reading="やまだ  はなこ", actor=member)
    assert member.name_reading == "やまだ はなこ"
    other = signed_in(make_user(display_name="田中 真理"))
    switch(other, "/", furigana="on")
    html = other.get("/").content.decode()
    assert "田中 真理" in html and "<ruby>田中" not in html
    client = signed_in(member)
    switch(client, "/", furigana="on")
    html = client.get("/").content.decode()
    assert (
        "<ruby>山田<rp>(</rp><rt>やまだ</rt><rp>)</rp></ruby> "
        "<ruby>花子<rp>(</rp><rt>はなこ</rt><rp>)</rp></ruby>"
    ) in html
    switch(client, "/", furigana="off")
    assert "<rt>やまだ</rt>" not in client.get("/").content.decode()


def test_a_name_reading_is_kana_only_and_audited(make_user) -> None:
    from django.core.exceptions import ValidationError

    member = make_user(display_name="山田 花子")
    for bad in ("<b>やまだ</b>", "山田", "yamada"):
        with pytest.raises(ValidationError):
            user_set_name_reading(user=member, name_reading=bad, actor=None)
    user_set_name_reading(user=member, name_reading="ヤマダ ハナコ", actor=None)
    member.refresh_from_db()
    assert member.name_reading == "ヤマダ ハナコ"
    event = AuditEvent.objects.filter(action="user.reading_changed", subject_user=member).get()
    assert event.after == {"name_reading": "ヤマダ ハナコ"}


def test_the_text_size_button_large_is_read_only_where_it_stands_alone() -> None:
    assert _readings("大") == "大[だい]"
    assert reading.furigana_html("<button>大</button>") == (
        "<button><ruby>大<rp>(</rp><rt>だい</rt><rp>)</rp></ruby></button>"
    )
    assert "だい" not in _readings("大きい 文字")


def test_script_written_texts_get_the_dictionary_words_they_hold() -> None:
    """The live and waiting pages' scripts write texts after load: the page lists the words in
    them with their ruby pieces (furigana.js puts the same ruby over them)."""
    words = reading.client_words(
        {"counter": "残りの文字数", "state": "相談中"}, ["あなたは %(position)s 番目です。"]
    )
    assert words["残り"] == [("残", "のこ"), ("り", "")]
    assert words["相談中"] == [("相談中", "そうだんちゅう")]
    assert words["番目"] == [("番目", "ばんめ")]
    assert reading.client_words("カメラ") == {}


def test_minutes_are_read_from_the_number() -> None:
    assert _readings("10分、5分、3分") == "10分[ぷん]、5分[ふん]、3分[ぷん]"
    assert _readings("2分前に") == "2分前[ふんまえ]に"


def test_the_live_page_s_script_gets_the_words_and_the_names_it_writes(make_user, rf) -> None:
    """furigana_words: the words of the texts given, the whole dictionary when asked (the chat
    writes what people say) and the names the page shows, with their readings; nothing with
    furigana off."""
    import json

    from django.template import Context, Template

    from access_support import request_context

    operator = make_user("operator", display_name="高橋 健")
    user_set_name_reading(user=operator, name_reading="たかはし けん", actor=None)
    page = Template(
        "{% load reading %}{% furigana_words strings operator dictionary=True %}"
        "{% furigana_words strings %}"
    )
    request = rf.get("/")
    token = request_context.request.set(request)
    try:
        html = page.render(
            Context(
                {
                    "reading": reading.Reading(furigana=True),
                    "request": request,
                    "strings": {"state": "相談中"},
                    "operator": operator,
                }
            )
        )
        off = page.render(Context({"reading": reading.Reading(), "strings": {"a": "相談中"}}))
    finally:
        request_context.request.reset(token)
    full, short = (
        json.loads(part.split(">", 1)[1]) for part in html.split("</script>") if part.strip()
    )
    assert full["高橋 健"] == [["高橋", "たかはし"], [" ", ""], ["健", "けん"]]
    assert full["予約"] == [["予約", "よやく"]] and full["相談中"]
    assert "予約" not in short and short["相談中"] == [["相談中", "そうだんちゅう"]]
    assert off == ""


def test_people_set_how_their_own_name_is_read_on_the_settings_page(signed_in, senior) -> None:
    """Issue 23 item 7: a member whose name had no stored reading can give it (kana, audited)
    and then sees it over their name with furigana on; a reading in kanji is refused at the
    field and nothing is stored."""
    client = signed_in(senior)
    page = client.get("/accounts/security/").content.decode()
    assert 'name="name_reading"' in page and "お名前の読み方" in page
    refused = client.post(
        "/accounts/security/", {"action": "name_reading", "name_reading": "山田 花子"}
    )
    assert refused.status_code == 400
    assert 'aria-invalid="true"' in refused.content.decode()
    senior.refresh_from_db()
    assert senior.name_reading == ""
    saved = client.post(
        "/accounts/security/", {"action": "name_reading", "name_reading": "やまだ  はなこ"}
    )
    assert saved.status_code == 302 and saved["Location"].endswith("#name-reading")
    senior.refresh_from_db()
    assert senior.name_reading == "やまだ はなこ"
    assert AuditEvent.objects.filter(action="user.reading_changed", subject_user=senior).exists()
    senior.furigana = True
    senior.save(update_fields=["furigana"])
    home = signed_in(senior).get("/").content.decode()
    assert "<rt>やまだ</rt>" in home


@pytest.mark.parametrize("value", ["%ED%A0%80", "1 2 " * 1000, "１２３", "やまだ" * 40])
def test_a_name_reading_nobody_expects_is_refused_at_the_field(signed_in, senior, value) -> None:
    """A lone surrogate, 2,000 characters of digits and spaces, full-width digits, or a reading
    longer than 100 characters: a 400 with the message at the field, nothing stored."""
    client = signed_in(senior)
    # Sent as the browser's form body (a lone surrogate arrives as its UTF-8 bytes, ED A0 80).
    body = "action=name_reading&name_reading=" + (value if "%" in value else quote(value))
    answer = client.post(
        "/accounts/security/", body, content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 400
    assert 'aria-invalid="true"' in answer.content.decode()
    senior.refresh_from_db()
    assert senior.name_reading == ""
