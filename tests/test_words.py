"""One word per thing (docs/accessibility.md, "Words: one word per thing"; issue 26 item 13).

- the Japanese wording uses the chosen word for each thing (ログイン, 今すぐ相談, 確認コード …);
- each English string reaches the page with the project's own translation (no other catalogue
  and none of Django's own shadows it, as Django admin's 変更 did for our 変更する);
- an instruction that names a button or link quotes a label the site shows, and on the page it
  is on, a control with that label is there;
- English pages use ASCII brackets;
- a message that asks the reader to wait says how long;
- two links on one page never share their text (an ended and a new grant to one person).
"""

from __future__ import annotations

import datetime
import re
import subprocess
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Message
from django.test import Client
from django.utils import timezone, translation

from tests.catalogues import catalogues as po_files
from tests.catalogues import load
from tests.conftest import PASSWORD
from tests.signlanguage.live_fixtures import create_grant

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCE = {".venv", "node_modules", "var", ".git", "tests", "docs", "bench"}

# The word a Japanese page uses → the words it must not use for the same thing. Standard
# wording only: the plain wording writes some of these words in kana (いますぐ), on purpose.
FORBIDDEN = {
    "サインイン": "ログイン",
    "サインアウト": "ログアウト",
    "いますぐ": "今すぐ",
    "今すぐ話す": "今すぐ相談",
    "ログイン用のコード": "確認コード",
    "お客さま": "お客様",
    "会員さま": "会員",
    "時間を予約": "日時を予約",
    "確認待ちの代理人": "審査待ちの代理人",
    "もどる": "戻る",
    "テーマ": "用件",
    "文字チャット": "筆談（文字のチャット）",
    "筆談(": "筆談（",
    "筆談（チャット）": "筆談（文字のチャット）",
}
# Never, in either wording nor in any source a user sees (templates, e-mails, scripts).
FORBIDDEN_EVERYWHERE = (
    "サインイン",
    "サインアウト",
    "今すぐ話す",
    "お客さま",
    "会員さま",
    "テーマ",
)
FULL_WIDTH_PUNCTUATION = re.compile(r"[（）「」『』【】〔〕［］｛｝、。，．：；！？　]")


def catalogues() -> list[Path]:
    return po_files(ROOT, NOT_SOURCE, "ja")


def messages() -> Iterator[tuple[Path, Message]]:
    for path in catalogues():
        for message in load(path):
            if message.id:
                yield path, message


def msgid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def msgstrs(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def tracked(*suffixes: str) -> list[Path]:
    """Source files of the project (committed or staged), so another engineer's unstaged work
    in progress is not judged; every file when git is not there."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout.decode()
        paths = [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        paths = list(ROOT.rglob("*"))
    return sorted(
        path
        for path in paths
        if path.suffix in suffixes
        and path.is_file()
        and not NOT_SOURCE.intersection(path.relative_to(ROOT).parts)
    )


# --- one word per thing ---------------------------------------------------------------------


def test_the_japanese_catalogues_use_one_word_per_thing() -> None:
    problems = []
    for path, message in messages():
        plain = message.context == "plain"
        for text in msgstrs(message):
            for wrong, right in FORBIDDEN.items():
                if wrong in text and (not plain or wrong in FORBIDDEN_EVERYWHERE):
                    problems.append(f"{path.relative_to(ROOT)}: {text!r}: {wrong} → {right}")
    assert not problems, "\n".join(problems)


def test_templates_e_mails_and_scripts_use_one_word_per_thing() -> None:
    problems = []
    for path in tracked(".html", ".txt", ".js", ".py"):
        if path.name == "reading.py":  # the furigana dictionary: 今すぐ is read いますぐ
            continue
        text = path.read_text(encoding="utf-8")
        problems += [
            f"{path.relative_to(ROOT)}: {word}" for word in FORBIDDEN_EVERYWHERE if word in text
        ]
    assert not problems, "\n".join(problems)


def test_each_english_string_shows_the_projects_own_translation() -> None:
    """The same msgid in two catalogues, or in Django's own (admin translates Change as 変更,
    Save as 保存, None as None), would put a second wording on the page: the project's catalogue
    must be what the page shows. Give a short generic word a `context` to keep it ours."""
    problems = []
    with translation.override("ja"):
        for path, message in messages():
            if isinstance(message.id, tuple):
                continue
            shown = (
                translation.pgettext(message.context, message.id)
                if message.context
                else translation.gettext(message.id)
            )
            if shown != message.string:
                problems.append(
                    f"{path.relative_to(ROOT)}: {message.context or ''}|{message.id!r}: "
                    f"the page shows {shown!r}, the catalogue says {message.string!r}"
                )
    assert not problems, "\n".join(problems)


# --- instructions name the button as it reads ------------------------------------------------

# 「X」を押して / 「X」を おして / 「X」を選び ; in English: press “X”.
JA_INSTRUCTION = re.compile(r"「([^」]+)」を\s*(?:押|おし|お し|選)")
EN_INSTRUCTION = re.compile(r"(?:press|choose|select|then) “([^”]+)”", re.IGNORECASE)
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def label_pattern(label: str) -> re.Pattern[str]:
    parts = PLACEHOLDER.split(label)
    literal = [re.escape(part) for i, part in enumerate(parts) if i % 3 == 0]
    return re.compile(".+".join(literal))


def test_every_instruction_quotes_a_label_the_site_shows() -> None:
    with translation.override("ja"):
        shown_ja = set()
        english = set()
        for _path, message in messages():
            if isinstance(message.id, tuple):
                continue
            english.add(message.id)
            shown_ja.add(
                translation.pgettext(message.context, message.id)
                if message.context
                else translation.gettext(message.id)
            )
    problems = []
    for path, message in messages():
        for text in msgstrs(message):
            for label in JA_INSTRUCTION.findall(text):
                pattern = label_pattern(label)
                if not any(pattern.fullmatch(shown) for shown in shown_ja):
                    where = path.relative_to(ROOT)
                    problems.append(f"{where}: {text!r}: no label reads 「{label}」")
        for label in EN_INSTRUCTION.findall(msgid(message)):
            if label not in english:
                problems.append(f"{path.relative_to(ROOT)}: {msgid(message)!r}: no “{label}”")
    assert not problems, "\n".join(problems)


class Controls(HTMLParser):
    """The visible text of each link and button, the text of the page with its attribute
    values (instructions also travel in data-text-* attributes for scripts)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.labels: list[str] = []
        self.accessible: list[str] = []
        self.text: list[str] = []
        self._open: list[tuple[list[str], list[str]]] = []
        self._hidden = 0
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.text += [unescape(value) for _name, value in attrs if value]
        if tag in ("a", "button"):
            self._open.append(([], []))
        if tag in ("br", "img", "input", "meta", "link", "hr", "source", "track", "wbr"):
            return
        hidden = "visually-hidden" in (dict(attrs).get("class") or "").split()
        self._stack.append("hidden" if hidden else tag)
        self._hidden += hidden

    def handle_endtag(self, tag: str) -> None:
        if tag in ("a", "button") and self._open:
            visible, every = self._open.pop()
            self.labels.append(" ".join("".join(visible).split()))
            self.accessible.append(" ".join("".join(every).split()))
        while self._stack:
            top = self._stack.pop()
            self._hidden -= top == "hidden"
            if top == tag or top == "hidden" and tag == "span":
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for visible, every in self._open:
            every.append(data)
            if not self._hidden:
                visible.append(data)


def controls(html: str) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


def instructions_without_their_control(html: str) -> list[str]:
    page = controls(html)
    named = {label for text in page.text for label in JA_INSTRUCTION.findall(text)}
    assert named, "the page names no button"
    return sorted(label for label in named if label not in page.labels)


STEP = "/proxies/register/{}/"


def answer_the_registration(client: Client) -> None:
    client.post(
        STEP.format("person"),
        {
            "proxy_name": "佐藤 二郎",
            "proxy_name_reading": "さとう じろう",
            "proxy_email": "j@example.jp",
        },
    )
    client.post(STEP.format("relationship"), {"relationship": "子"})
    client.post(STEP.format("scopes"), {"scopes": ["inquiry.points"]})
    client.post(STEP.format("end-date"), {})


@pytest.mark.django_db
@pytest.mark.parametrize("plain", [False, True], ids=["standard", "plain"])
def test_check_your_answers_names_the_change_link_as_it_reads(signed_in, senior, plain) -> None:
    client = signed_in(senior)
    if plain:
        client.cookies["as_reading"] = "plain"
    answer_the_registration(client)
    html = client.get(STEP.format("check")).content.decode()
    assert instructions_without_their_control(html) == []
    assert ("「かえる」を おして" if plain else "「変更する」を押して") in html


@pytest.mark.django_db
def test_the_timeout_warning_names_the_extend_button_as_it_reads(signed_in, senior) -> None:
    html = signed_in(senior).get("/").content.decode()
    assert "「延長する」を押して" in html
    assert instructions_without_their_control(html) == []


# --- English pages use ASCII brackets --------------------------------------------------------


def test_english_strings_use_ascii_punctuation() -> None:
    problems = [
        f"{path.relative_to(ROOT)}: {msgid(message)!r}"
        for path, message in messages()
        if FULL_WIDTH_PUNCTUATION.search(msgid(message))
    ]
    assert not problems, "\n".join(problems)


TEMPLATE_TEXT = re.compile(
    r"{%\s*(?:block)?trans(?:late)?\b.*?%}(?:.*?{%\s*endblocktrans(?:late)?\s*%})?"
    r"|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}",
    re.DOTALL,
)


def test_templates_put_no_full_width_punctuation_around_values() -> None:
    """Text outside {% translate %} reaches English pages as it is: a bracket around a value is
    written with the `aside` filter, a list separator with `{% list_separator %}`. E-mail
    bodies (.txt) are bilingual and keep their Japanese half."""
    problems = []
    for path in tracked(".html"):
        text = TEMPLATE_TEXT.sub("", path.read_text(encoding="utf-8"))
        for number, line in enumerate(text.splitlines(), 1):
            if FULL_WIDTH_PUNCTUATION.search(line):
                problems.append(f"{path.relative_to(ROOT)}: {line.strip()[:120]}")
    assert not problems, "\n".join(problems)


def make_grant(member: Any, proxy: Any, state: str, days_ago: int) -> Any:
    return create_grant(
        member,
        proxy,
        scopes=["inquiry.points"],
        state=state,
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
        ended_at=timezone.now() - datetime.timedelta(days=1) if state == "revoked" else None,
    )


@pytest.fixture
def ended_and_new_grant(senior: Any, make_user: Any) -> Any:
    jiro = make_user("proxy", username="jiro", display_name="佐藤 二郎")
    make_grant(senior, jiro, "revoked", days_ago=40)
    make_grant(senior, jiro, "active", days_ago=0)
    return jiro


@pytest.mark.django_db
def test_my_proxies_in_english_has_ascii_brackets(signed_in, senior, ended_and_new_grant) -> None:
    client = signed_in(senior)
    client.cookies["as_language"] = "en"
    html = client.get("/proxies/").content.decode()
    assert "佐藤 二郎 (" in html  # the heading: the name, then " (relationship)"
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert not FULL_WIDTH_PUNCTUATION.findall(" ".join(controls(main).text))


# --- two links, two texts --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
def test_an_ended_and_a_new_grant_to_one_person_have_links_told_apart(
    signed_in, senior, ended_and_new_grant, language
) -> None:
    client = signed_in(senior)
    client.cookies["as_language"] = language
    html = client.get("/proxies/").content.decode()
    page = controls(html.split("<main", 1)[1].split("</main>", 1)[0])
    grant_links = [text for text in page.accessible if "佐藤 二郎" in text]
    assert len(grant_links) == 2, page.accessible
    assert len(set(grant_links)) == 2, grant_links
    ended, new = sorted(grant_links, key=lambda text: "終了" in text or "Ended" in text)[::-1]
    assert ("終了" if language == "ja" else "Ended") in ended
    assert ("有効" if language == "ja" else "Active") in new
    repeated = {text for text in page.accessible if page.accessible.count(text) > 1}
    assert not repeated, repeated


# --- a wait says how long --------------------------------------------------------------------

WAIT_JA = re.compile(r"待って(?:から|ください)|お待ちください|たってから")
WAIT_EN = re.compile(r"\bwait\b(?! for an operator)|try again in|ask again", re.IGNORECASE)
HOW_LONG = re.compile(r"\d|%\(\w+\)s|\{\w+\}|[一二三四五六七八九十]+(?:秒|分|時間|日)")


def test_every_request_to_wait_says_how_long() -> None:
    problems = []
    for path, message in messages():
        for text in msgstrs(message):
            if WAIT_JA.search(text) and not HOW_LONG.search(text):
                problems.append(f"{path.relative_to(ROOT)}: {text!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_api_says_how_many_seconds_until_a_new_code(senior) -> None:
    client = Client()
    signed = client.post(
        "/api/v1/auth/login",
        {"username": senior.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert signed.status_code == 200
    answers = [
        client.post("/api/v1/auth/otp/challenge", {}, content_type="application/json")
        for _ in range(2)
    ]
    refused = next(answer for answer in answers if answer.status_code == 429).json()
    assert refused["error"] == "too_soon"
    assert 1 <= refused["retry_after"] <= 30
    assert f"in {refused['retry_after']} seconds" in refused["detail"]


@pytest.mark.django_db
def test_a_locked_desk_says_for_how_long(signed_in, senior, operator, ended_and_new_grant) -> None:
    client = signed_in(operator)
    body = {"member_number": senior.member_number, "code": "WRONGWRN", "action": "inquiry.points"}
    for _ in range(5):
        client.post("/api/v1/authorizations/check", body, content_type="application/json")
    locked = client.post("/api/v1/authorizations/check", body, content_type="application/json")
    assert locked.status_code == 429
    assert "for 15 minutes" in locked.json()["detail"], locked.json()
