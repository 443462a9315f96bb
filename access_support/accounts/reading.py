"""Reading aids for Japanese pages: the user's choice (plain wording, furigana) and the ruby markup.

The choice is stored on the user (signed-in) and in a cookie (so it works on the sign-in page and
after signing out). Furigana come from a curated reading dictionary of the words the key pages use
(docs/decisions/0005-plain-japanese-and-furigana.md says why not a general converter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.functional import lazy
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy, pgettext_lazy

from access_support import request_context

COOKIE_NAME = "as_reading"
COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Reading:
    plain: bool = False
    furigana: bool = False

    def cookie_value(self) -> str:
        return "-".join(name for name in ("plain", "furigana") if getattr(self, name))


def from_cookie(value: str | None) -> Reading:
    flags = set((value or "").split("-"))
    return Reading(plain="plain" in flags, furigana="furigana" in flags)


def chosen(request: HttpRequest) -> Reading:
    """What the visitor chose. A signed-in (verified) user's saved choice, or this device's
    cookie: either turns an aid on, so a choice made on the sign-in page survives signing in."""
    cookie = from_cookie(request.COOKIES.get(COOKIE_NAME))
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated and _verified(user):
        return Reading(
            plain=bool(user.plain_japanese) or cookie.plain,
            furigana=bool(user.furigana) or cookie.furigana,
        )
    return cookie


def _verified(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def active(request: HttpRequest) -> Reading:
    """The aids that apply to this page: both are Japanese-only, English is never changed."""
    if getattr(request, "LANGUAGE_CODE", "ja") != "ja":
        return Reading()
    return chosen(request)


# --- plain wording in Python code -----------------------------------------------------------


def plain_now() -> bool:
    """Whether text shown now is for a page in plain Japanese: the request being answered
    chose it and the active language is Japanese. False outside a request (e-mails sent by a
    command, sockets), where the standard wording is used."""
    request = request_context.request.get()
    if request is None or (translation.get_language() or "").split("-")[0] != "ja":
        return False
    return chosen(request).plain


def _choose(standard: Any, plain: Any) -> str:
    return str(plain if plain_now() else standard)


_lazy_choice = lazy(_choose, str)


def wording(standard: Any, plain: Any) -> Any:
    """A lazy string with two wordings, chosen each time it is shown: `plain` (a
    `pgettext_lazy("plain", …)`) on a plain-Japanese page, else `standard`. For a form's labels,
    choices and messages: they keep the reader's wording on every render, errors included
    (templates use `{% plain %}…{% or %}…{% endplain %}` instead)."""
    return _lazy_choice(standard, plain)


# What a field left empty says when its form gives no message of its own (Django's is
# 「このフィールドは必須です。」, which says neither what to do nor in plain words). Installed as
# every form field's default by AccountsConfig.ready().
REQUIRED_MESSAGE = wording(
    gettext_lazy("This is empty. Please write your answer here, or choose one."),
    pgettext_lazy("plain", "This is empty. Please write your answer here, or choose one."),
)


# --- furigana ------------------------------------------------------------------------------

# The reading of every kanji word on the key pages (sign-in, home, proxy registration, booking,
# talk now, session list), in both wordings. Longest match wins, so a compound (代理人) is read
# as one word before its parts. A key may carry its okurigana (選ぶ → えらぶ): the ruby then
# covers the kanji only. Keep entries to words whose reading does not depend on the sentence.
READINGS: dict[str, str] = {
    "案内": "あんない",
    "一覧": "いちらん",
    "一度": "いちど",
    "入力": "にゅうりょく",
    "引き上げ": "ひきあげ",
    "引き受け": "ひきうけ",
    "解約": "かいやく",
    "会員": "かいいん",
    "確認": "かくにん",
    "確かめ": "たしかめ",
    "関係": "かんけい",
    "管理": "かんり",
    "記録": "きろく",
    "限度額": "げんどがく",
    "行われた": "おこなわれた",
    "今すぐ": "いますぐ",
    "最後": "さいご",
    "次へ": "つぎへ",
    "次に": "つぎに",
    "時間": "じかん",
    "手順": "てじゅん",
    "手続き": "てつづき",
    "手伝い": "てつだい",
    "手伝って": "てつだって",
    "手話": "しゅわ",
    "終了日": "しゅうりょうび",
    "状態": "じょうたい",
    "情報": "じょうほう",
    "申し込む": "もうしこむ",
    "設定": "せってい",
    "相談": "そうだん",
    "送る": "おくる",
    "送ります": "おくります",
    "送りました": "おくりました",
    "代理人": "だいりにん",
    "代理": "だいり",
    "待つ": "まつ",
    "待って": "まって",
    "当社": "とうしゃ",
    "登録": "とうろく",
    "日時": "にちじ",
    "日本語": "にほんご",
    "入れて": "いれて",
    "筆談": "ひつだん",
    "必要": "ひつよう",
    "変更": "へんこう",
    "方法": "ほうほう",
    "本人": "ほんにん",
    "本文": "ほんぶん",
    "名前": "なまえ",
    "予約": "よやく",
    "用件": "ようけん",
    "利用": "りよう",
    "話す": "はなす",
    "話します": "はなします",
    "戻る": "もどる",
    "空いて": "あいて",
    "空いた": "あいた",
    "選ぶ": "えらぶ",
    "選んで": "えらんで",
    "見る": "みる",
    "聞きたい": "ききたい",
    "順番": "じゅんばん",
    "画面": "がめん",
    "移動": "いどう",
    "何日": "なんにち",
    "何": "なに",
    "内容": "ないよう",
    "答え": "こたえ",
    "質問": "しつもん",
    "方へ": "かたへ",
    # The header menu, the notices, the footer and the timeout warning (every page).
    "問い合わせ": "といあわせ",
    "文字": "もじ",
    "通話": "つうわ",
    "電話": "でんわ",
    "近づいたら": "ちかづいたら",
    "時間外": "じかんがい",
    "紛失": "ふんしつ",
    "緊急": "きんきゅう",
    "受付時間": "うけつけじかん",
    "日本時間": "にほんじかん",
    "祝日": "しゅくじつ",
    "お休み": "おやすみ",
    "注意": "ちゅうい",
    "安全": "あんぜん",
    "操作": "そうさ",
    "自動的": "じどうてき",
    "続けます": "つづけます",
    "続ける": "つづける",
    "延長": "えんちょう",
    "接続": "せつぞく",
    "時間切れ": "じかんぎれ",
    "残って": "のこって",
    "閉じる": "とじる",
    "押して": "おして",
    "元に": "もとに",
    "前回": "ぜんかい",
    "残して": "のこして",
    "空欄": "くうらん",
    "続けて": "つづけて",
    "書く": "かく",
    "日本": "にほん",
    "話せます": "はなせます",
    "知らせます": "しらせます",
}

_KANJI_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\u3005]+)")


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    words = sorted(READINGS, key=len, reverse=True)
    return re.compile("|".join(re.escape(word) for word in words))


@lru_cache(maxsize=512)
def ruby_for(word: str) -> str:
    """`<ruby>` markup for one dictionary word; the kana around and between the kanji stay
    outside the ruby (引き受け → 引(ひ)き受(う)け)."""
    reading = READINGS[word]
    parts = [p for p in _KANJI_RUN.split(word) if p]
    regex = "".join("(.+?)" if _KANJI_RUN.fullmatch(p) else re.escape(p) for p in parts)
    match = re.fullmatch(regex, reading)
    if match is None:  # a dictionary entry whose kana do not line up: one ruby over the word
        return _ruby(word, reading)
    readings = iter(match.groups())
    return "".join(_ruby(p, next(readings)) if _KANJI_RUN.fullmatch(p) else p for p in parts)


def _ruby(base: str, reading: str) -> str:
    return f"<ruby>{base}<rp>(</rp><rt>{reading}</rt><rp>)</rp></ruby>"


def _annotate_text(text: str) -> str:
    """Ruby over the dictionary words in text that is already HTML-escaped (escaping leaves
    kanji alone, and the markup added holds only dictionary strings)."""
    return _pattern().sub(lambda m: ruby_for(m.group(0)), text)


def furigana_text(value: Any) -> SafeString:
    """Plain (untrusted) text → escaped HTML with furigana."""
    return mark_safe(_annotate_text(escape(str(value))))  # noqa: S308 - escaped just above


# Tags whose content is not running text (or may not hold <ruby>): left exactly as rendered.
_SKIP = frozenset({"script", "style", "textarea", "title", "option", "ruby", "rt", "rp", "code"})
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>|<!--.*?-->", re.DOTALL)


def furigana_html(html: str) -> SafeString:
    """Furigana in the text between the tags of rendered, escaped template output. Tags, and so
    attributes (labels, values, aria-*), are copied unchanged; so is the content of <script>,
    <textarea>, <option> and any existing <ruby>."""
    out: list[str] = []
    skipping: list[str] = []
    position = 0
    for tag in _TAG.finditer(html):
        text = html[position : tag.start()]
        out.append(text if skipping else _annotate_text(text))
        out.append(tag.group(0))
        name = (tag.group(2) or "").lower()
        if name in _SKIP:
            if tag.group(1):
                if skipping and skipping[-1] == name:
                    skipping.pop()
            elif not tag.group(0).endswith("/>"):
                skipping.append(name)
        position = tag.end()
    tail = html[position:]
    out.append(tail if skipping else _annotate_text(tail))
    return mark_safe("".join(out))  # noqa: S308 - only text between tags of safe HTML changed
