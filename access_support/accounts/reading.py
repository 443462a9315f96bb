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
    # Words of the help page, the sign-in settings, the proxies' pages, the waiting room and the
    # live session (the state crawl, tests/e2e/test_state_crawl.py, lists what is still missing).
    "知らせ": "しらせ",
    "終える": "おえる",
    "終わり": "おわり",
    # What is kept of a conversation (issue 22 item 7: the ended session page).
    "残す": "のこす",
    "残し": "のこし",
    "残さ": "のこさ",
    "消す": "けす",
    "消し": "けし",
    "終わっ": "おわっ",
    "選んだ": "えらんだ",
    "選択": "せんたく",
    "読め": "よめ",
    "決める": "きめる",
    "参加": "さんか",
    "話した": "はなした",
    "遅くとも": "おそくとも",
    "控え": "ひかえ",
    "お客様": "おきゃくさま",
    "今の": "いまの",
    "今は": "いまは",
    "操作中": "そうさちゅう",
    "相談中": "そうだんちゅう",
    "接続中": "せつぞくちゅう",
    "未読": "みどく",
    "来ない": "こない",
    "入れる": "いれる",
    "迷惑": "めいわく",
    "前の": "まえの",
    "意見": "いけん",
    "聞かせ": "きかせ",
    "教えて": "おしえて",
    "担当": "たんとう",
    "切れ": "きれ",
    "席": "せき",
    "戻れ": "もどれ",
    "続けられ": "つづけられ",
    "忘れた": "わすれた",
    "ユーザー名": "ユーザーめい",
    "番号": "ばんごう",
    "番目": "ばんめ",
    "認証": "にんしょう",
    "予備": "よび",
    "使う": "つかう",
    "使え": "つかえ",
    "使って": "つかって",
    "使わ": "つかわ",
    "使い": "つかい",
    "新し": "あたらし",
    "作る": "つくる",
    "言語": "げんご",
    "私たち": "わたしたち",
    "表示": "ひょうじ",
    "保存": "ほぞん",
    "通報": "つうほう",
    "返事": "へんじ",
    "送り": "おくり",
    "送った": "おくった",
    "送信": "そうしん",
    "火事": "かじ",
    "きゅうきゅう車": "きゅうきゅうしゃ",
    "流れ": "ながれ",
    "消防": "しょうぼう",
    "救急": "きゅうきゅう",
    "警察": "けいさつ",
    "呼ぶ": "よぶ",
    "音声": "おんせい",
    "次の": "つぎの",
    "届け出": "とどけで",
    "届け": "とどけ",
    "選び": "えらび",
    "盗難": "とうなん",
    "受け付け": "うけつけ",
    "受付": "うけつけ",
    "受付中": "うけつけちゅう",
    "受付済み": "うけつけずみ",
    "受付時間中": "うけつけじかんちゅう",
    "受け": "うけ",
    "時刻": "じこく",
    "担当者": "たんとうしゃ",
    "先に": "さきに",
    "扱い": "あつかい",
    "止め": "とめ",
    "今日": "きょう",
    "休み": "やすみ",
    "読む": "よむ",
    "土曜日": "どようび",
    "日曜日": "にちようび",
    "夜": "よる",
    "住んで": "すんで",
    "住所": "じゅうしょ",
    "地域": "ちいき",
    "通勤": "つうきん",
    "通学": "つうがく",
    "前もって": "まえもって",
    "画像": "がぞう",
    "会社": "かいしゃ",
    "代わり": "かわり",
    "信頼": "しんらい",
    "できる方": "できるかた",
    "見た": "みた",
    "見つか": "みつか",
    "変え": "かえ",
    "有効": "ゆうこう",
    "願い": "ねがい",
    "一時停止": "いちじていし",
    "終了": "しゅうりょう",
    "お金": "おかね",
    "聞く": "きく",
    "入る": "はいる",
    "後で": "あとで",
    "開く": "ひらく",
    "開き": "ひらき",
    "申し込み": "もうしこみ",
    "申し込んだ": "もうしこんだ",
    "対象": "たいしょう",
    "人": "ひと",
    "係": "かかり",
    "出ます": "でます",
    "依頼": "いらい",
    "対応": "たいおう",
    "駅": "えき",
    "落とし": "おとし",
    "例": "れい",
    "場所": "ばしょ",
    "承認": "しょうにん",
    "行われ": "おこなわれ",
    "許可": "きょか",
    "種類": "しゅるい",
    "順": "じゅん",
    "履歴": "りれき",
    "書け": "かけ",
    "書か": "かか",
    "押す": "おす",
    "映像": "えいぞう",
    "映って": "うつって",
    "隠す": "かくす",
    "試す": "ためす",
    "録画": "ろくが",
    "相手": "あいて",
    "会話": "かいわ",
    "全画面": "ぜんがめん",
    "最大": "さいだい",
    "標準": "ひょうじゅん",
    "特大": "とくだい",
    "小さい": "ちいさい",
    "手と": "てと",
    "顔": "かお",
    "戻り": "もどり",
    "残り": "のこり",
    "文字数": "もじすう",
    "明細": "めいさい",
    "自動": "じどう",
    "待ち": "まち",
    "保たれ": "たもたれ",
    "様": "さま",
    "子ども": "こども",
    "連絡": "れんらく",
    "止まり": "とまり",
    "通訳": "つうやく",
    "本部": "ほんぶ",
    # The notification centre and the waiting page's browser notification (issue 21 item 5).
    "読んだ": "よんだ",
    "新着": "しんちゃく",
    "自分": "じぶん",
    "通知": "つうち",
    "待っている間": "まっているあいだ",
    "見て": "みて",
    "音は": "おとは",
    "鳴りません": "なりません",
    "既読": "きどく",
    "作り直": "つくりなお",
    "引き続き": "ひきつづき",
    "誰か": "だれか",
    "端末": "たんまつ",
    "始まりました": "はじまりました",
    # The notices' plain wording (issue 23 item 7).
    "始めました": "はじめました",
    "始まるまで": "はじまるまで",
    "期限": "きげん",
    "機械": "きかい",
    "見られ": "みられ",
    "言って": "いって",
    "過ぎ": "すぎ",
    "開いて": "ひらいて",
    # How your name is read (the sign-in settings page).
    "読み方": "よみかた",
    "名字": "みょうじ",
    "以内": "いない",
    # The relationships in plain wording (whole phrases: the single kanji alone read otherwise).
    "夫 または 妻": "おっと または つま",
    "兄・弟・姉・妹": "あに・おとうと・あね・いもうと",
    "親（父 または 母）": "おや（ちち または はは）",
    "漢字": "かんじ",
    "未入力": "みにゅうりょく",
    "姓と名": "せいとめい",
    "空白": "くうはく",
    "上に": "うえに",
    "出すと": "だすと",
    "書いて": "かいて",
    "間に": "あいだに",
    "間は": "あいだは",
    "変わりました": "かわりました",
    "取り消され": "とりけされ",
    "心当たり": "こころあたり",
    "申し出": "もうしで",
    # 日 alone is ひ, にち or か by the sentence: the phrases the pages use.
    "話す 日": "はなす ひ",
    "休みの 日": "やすみの ひ",
    "終わりの 日": "おわりの ひ",
    "なくした日": "なくしたひ",
    "お知らせする日": "おしらせするひ",
}

# Numbers with a counter, read from the number (a dictionary cannot: 3日 is みっか, 10日 とおか),
# and a weekday in brackets after a date (（金） きん). The ruby covers the counter only, or the
# number and 日 together where the day has its own reading.
_COUNTERS = {
    "年": "ねん",
    "月": "がつ",
    "件目": "けんめ",
    "分": "ふん",  # ぷん after 1, 3, 4, 6, 8 and 0 (10分 じゅっぷん): _numbered
    "分前": "ふんまえ",
    "件": "けん",
    "番目": "ばんめ",
    "番": "ばん",
}
_DAYS = {
    1: "ついたち", 2: "ふつか", 3: "みっか", 4: "よっか", 5: "いつか", 6: "むいか", 7: "なのか",
    8: "ようか", 9: "ここのか", 10: "とおか", 14: "じゅうよっか", 20: "はつか",
    24: "にじゅうよっか",
}  # fmt: skip
_WEEKDAYS = {
    "月": "げつ",
    "火": "か",
    "水": "すい",
    "木": "もく",
    "金": "きん",
    "土": "ど",
    "日": "にち",
}
_NUMBERED = (
    r"(?<![0-9])(?P<number>[0-9]+)(?P<counter>日|"
    + "|".join(sorted(_COUNTERS, key=len, reverse=True))
    + ")"
    r"|(?<=[（(])(?P<weekday>[月火水木金土日])(?=[）)])"
    r"|(?P<all>全)(?=[0-9])"
)

_KANJI_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\u3005]+)")

# One kanji whose reading depends on the words around it, read only where it is the whole text
# of an element (the live page's text-size button 大 だい; 大きい is おおきい).
_STANDALONE = {"大": "だい"}


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    words = sorted(READINGS, key=len, reverse=True)
    return re.compile(_NUMBERED + "|" + "|".join(re.escape(word) for word in words))


def _numbered(match: re.Match[str], text: str) -> str:
    if match.group("weekday"):
        return _ruby(match.group("weekday"), _WEEKDAYS[match.group("weekday")])
    if match.group("all"):
        return _ruby("全", "ぜん")
    number, counter = match.group("number"), match.group("counter")
    if counter in ("分", "分前"):
        minutes = "ぷん" if number[-1] in "134680" else "ふん"
        return number + _ruby(counter, minutes + ("まえ" if counter == "分前" else ""))
    if counter != "日":
        return number + _ruby(counter, _COUNTERS[counter])
    day = int(number)
    # 1日 after a month is the first (ついたち); alone it is one day (いちにち).
    after_month = text[: match.start()].endswith("月")
    if day == 1 and not after_month:
        return _ruby(number + "日", "いちにち")
    if day in _DAYS:
        return _ruby(number + "日", _DAYS[day])
    return number + _ruby("日", "にち")


def ruby_for(word: str) -> str:
    """`<ruby>` markup for one dictionary word; the kana around and between the kanji stay
    outside the ruby (引き受け → 引(ひ)き受(う)け)."""
    return ruby_with(word, READINGS[word])


@lru_cache(maxsize=1024)
def ruby_with(word: str, reading: str) -> str:
    """`<ruby>` markup for a word and its reading (escaped text both): a kanji run each gets its
    part of the reading where the kana and spaces line up (山田 花子 / やまだ はなこ), else one
    ruby over the whole word."""
    return "".join(_ruby(base, rt) if rt else base for base, rt in ruby_pieces(word, reading))


def ruby_pieces(word: str, reading: str) -> list[tuple[str, str]]:
    """A word cut into (text, reading) pieces, reading "" for the kana outside the ruby."""
    parts = [p for p in _KANJI_RUN.split(word) if p]
    regex = "".join("(.+?)" if _KANJI_RUN.fullmatch(p) else re.escape(p) for p in parts)
    match = re.fullmatch(regex, reading)
    if match is None:  # a dictionary entry whose kana do not line up: one ruby over the word
        return [(word, reading)]
    readings = iter(match.groups())
    return [(p, next(readings)) if _KANJI_RUN.fullmatch(p) else (p, "") for p in parts]


def client_words(*texts: Any) -> dict[str, list[tuple[str, str]]]:
    """The dictionary words in the texts a page's script writes (strings, or dicts and lists of
    them) → their ruby pieces, for the script to put the same furigana over them
    (signlanguage/static/signlanguage/furigana.js)."""
    found: dict[str, list[tuple[str, str]]] = {}
    pending: list[Any] = list(texts)
    while pending:
        text = pending.pop()
        if isinstance(text, dict):
            pending.extend(text.values())
        elif isinstance(text, list | tuple):
            pending.extend(text)
        elif text:
            for match in _pattern().finditer(str(text)):
                if not match.lastgroup:
                    found[match.group(0)] = ruby_pieces(match.group(0), READINGS[match.group(0)])
            if _STANDALONE.get(str(text).strip()):
                word = str(text).strip()
                found[word] = ruby_pieces(word, _STANDALONE[word])
    return found


def _ruby(base: str, reading: str) -> str:
    return f"<ruby>{base}<rp>(</rp><rt>{reading}</rt><rp>)</rp></ruby>"


@lru_cache(maxsize=256)
def _pattern_with(names: tuple[str, ...]) -> re.Pattern[str]:
    words = sorted({*READINGS, *names}, key=len, reverse=True)
    return re.compile(_NUMBERED + "|" + "|".join(re.escape(word) for word in words))


def _annotate_text(text: str, names: dict[str, str] | None = None) -> str:
    """Ruby over the dictionary words (and the given names → readings, both escaped) in text
    that is already HTML-escaped (escaping leaves kanji alone, and the markup added holds only
    dictionary strings and escaped names)."""
    if _STANDALONE.get(text.strip()):
        word = text.strip()
        return text.replace(word, ruby_with(word, _STANDALONE[word]))
    if not names:
        return _pattern().sub(
            lambda m: _numbered(m, text) if m.lastgroup else ruby_for(m.group(0)), text
        )

    def replace(match: re.Match[str]) -> str:
        if match.lastgroup:
            return _numbered(match, text)
        word = match.group(0)
        return ruby_with(word, names[word]) if word in names else ruby_for(word)

    return _pattern_with(tuple(sorted(names))).sub(replace, text)


# --- people's names ---------------------------------------------------------------------------
# A name has no reading in the dictionary: its owner's stored reading (User.name_reading, the
# フリガナ a bank keeps) is noted whenever the name is shown during a request (User.name), and
# {% furigana %} puts it over that name wherever it stands on the page.


def has_kanji(text: str) -> bool:
    """Whether `text` holds a kanji (a name that needs a reading for furigana)."""
    return bool(_KANJI_RUN.search(text))


def note_name(name: str, name_reading: str) -> None:
    """Remember, for the request being answered, that `name` (read `name_reading`) is shown."""
    request = request_context.request.get()
    if request is None or not name or not name_reading or not _KANJI_RUN.search(name):
        return
    shown = getattr(request, "furigana_names", None)
    if shown is None:
        shown = {}
        request.furigana_names = shown
    shown[escape(name)] = escape(name_reading)


def names_shown(request: Any) -> dict[str, str]:
    """The names (escaped) → readings noted during this request."""
    return dict(getattr(request, "furigana_names", None) or {})


def furigana_text(value: Any) -> SafeString:
    """Plain (untrusted) text → escaped HTML with furigana."""
    return mark_safe(_annotate_text(escape(str(value))))  # noqa: S308 - escaped just above


# Tags whose content is not running text (or may not hold <ruby>): left exactly as rendered.
_SKIP = frozenset({"script", "style", "textarea", "title", "option", "ruby", "rt", "rp", "code"})
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>|<!--.*?-->", re.DOTALL)


def furigana_html(html: str, names: dict[str, str] | None = None) -> SafeString:
    """Furigana in the text between the tags of rendered, escaped template output. Tags, and so
    attributes (labels, values, aria-*), are copied unchanged; so is the content of <script>,
    <textarea>, <option> and any existing <ruby>."""
    out: list[str] = []
    skipping: list[str] = []
    position = 0
    for tag in _TAG.finditer(html):
        text = html[position : tag.start()]
        out.append(text if skipping else _annotate_text(text, names))
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
    out.append(tail if skipping else _annotate_text(tail, names))
    return mark_safe("".join(out))  # noqa: S308 - only text between tags of safe HTML changed
