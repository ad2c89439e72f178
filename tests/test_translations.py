"""Translations: the committed Japanese catalog is complete, compiled, and used by the pages.

A new user-facing string without a Japanese translation fails here, so the catalog
cannot silently fall behind the code.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.conftest import require_service

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
JA_DIR = LOCALE_DIR / "ja" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
# djangojs.po exists only once a script calls gettext(); today the scripts read translated
# labels from data- attributes, so only the django catalog is committed.
COMMITTED_DOMAINS = [domain for domain in DOMAINS if (JA_DIR / f"{domain}.po").exists()]
# The same folders the Makefile's `messages` target and the README leave out.
NOT_SOURCE = (
    ".git",
    ".venv",
    "node_modules",
    "staticfiles",
    "var",
    "media",
    "test-artifacts",
    "__pycache__",
    ".pytest_cache",
    "*.pyc",
    "*.sqlite3",
    "*.mo",
)
IGNORED_BY_DOMAIN = {"django": ["bench", "tests"], "djangojs": []}
PYTHON_PLACEHOLDER = re.compile(r"%\(\w+\)[sdirf]|%[sdirf]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


# --- A small PO reader: polib is not a project dependency -----------------------------------------


class Entry:
    def __init__(self):
        self.flags: set[str] = set()
        self.msgctxt: str | None = None
        self.msgid = ""
        self.msgid_plural: str | None = None
        self.msgstr: dict[int, str] = {}
        self.obsolete = False

    @property
    def label(self) -> str:
        return repr(self.msgid) if self.msgctxt is None else f"{self.msgctxt!r}|{self.msgid!r}"


def read_po(path: Path) -> list[Entry]:
    """Entries of a PO file (header included, as the entry with msgid "")."""
    entries, entry, field = [], Entry(), None

    def finish():
        nonlocal entry, field
        if field is not None:
            entries.append(entry)
        entry, field = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            if field is not None:
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if field is not None:
                finish()
        elif line.startswith('"'):
            _append(entry, field, ast.literal_eval(line))
        else:
            keyword, _, value = line.partition(" ")
            if keyword in {"msgctxt", "msgid"} and field not in {None, "msgctxt"}:
                finish()
            field = keyword
            _append(entry, field, ast.literal_eval(value), start=True)
    finish()
    return [e for e in entries if not e.obsolete]


def _append(entry: Entry, field: str, text: str, start: bool = False) -> None:
    if field.startswith("msgstr"):
        index = int(field[7:-1]) if field.startswith("msgstr[") else 0
        entry.msgstr[index] = ("" if start else entry.msgstr.get(index, "")) + text
    elif field in {"msgid", "msgid_plural", "msgctxt"}:
        setattr(entry, field, ("" if start else (getattr(entry, field) or "")) + text)


def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid or e.msgctxt]


def committed_catalog(domain: str) -> list[Entry]:
    path = JA_DIR / f"{domain}.po"
    return messages(read_po(path)) if path.exists() else []


# --- (a) The committed Japanese catalog is complete and compiled ----------------------------------


def test_japanese_catalog_has_the_japanese_plural_rule():
    header = read_po(JA_DIR / "django.po")[0]
    assert header.msgid == ""
    assert "Language: ja\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]


def test_japanese_catalog_is_large_enough_to_be_the_real_one():
    # Guards against an accidentally truncated catalog passing the other checks.
    assert len(committed_catalog("django")) > 300


@pytest.mark.parametrize("domain", COMMITTED_DOMAINS)
def test_every_japanese_entry_is_translated_and_not_fuzzy(domain):
    entries = committed_catalog(domain)
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    empty = [e.label for e in entries if not e.msgstr or not all(s.strip() for s in e.msgstr.values())]
    assert not fuzzy, f"fuzzy entries in locale/ja/LC_MESSAGES/{domain}.po: {fuzzy}"
    assert not empty, f"untranslated entries in locale/ja/LC_MESSAGES/{domain}.po: {empty}"
    # Japanese has a single plural form: a second one would never be shown.
    assert all(set(e.msgstr) == {0} for e in entries)


@pytest.mark.parametrize("domain", COMMITTED_DOMAINS)
def test_japanese_entries_keep_placeholders_and_html(domain):
    wrong = []
    for entry in committed_catalog(domain):
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        for translated in entry.msgstr.values():
            if "python-format" in entry.flags:
                expected = set().union(*(PYTHON_PLACEHOLDER.findall(s) for s in sources))
                if set(PYTHON_PLACEHOLDER.findall(translated)) != expected:
                    wrong.append(entry.label)
            if sorted(HTML_TAG.findall(entry.msgid)) != sorted(HTML_TAG.findall(translated)):
                wrong.append(entry.label)
    assert not wrong, f"placeholders or HTML tags differ from the English: {wrong}"


@pytest.mark.parametrize("domain", COMMITTED_DOMAINS)
def test_compiled_catalog_matches_the_po_file(domain):
    """The .mo files are committed (a fresh machine may have no gettext): they must be current."""
    entries = committed_catalog(domain)
    with open(JA_DIR / f"{domain}.mo", "rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    stale = []
    for entry in entries:
        if entry.msgid_plural:
            if entry.msgctxt is not None:
                got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
            else:
                got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
        elif entry.msgctxt is not None:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        else:
            got = compiled.gettext(entry.msgid)
        if got != entry.msgstr[0]:
            stale.append(entry.label)
    assert not stale, f"run `make messages`: locale/ja/LC_MESSAGES/{domain}.mo is older than the .po for {stale}"


# --- (b) Every string in the code is in the committed catalog --------------------------------------


@pytest.fixture(scope="module")
def extracted_catalogs(tmp_path_factory):
    """Run makemessages on a copy of the project (never writing into the working tree:
    makemessages puts temporary files next to the templates it reads)."""
    require_service("gettext (xgettext)", shutil.which("xgettext") is not None, "apt-get install gettext")
    copy = tmp_path_factory.mktemp("i18n") / "project"
    shutil.copytree(settings.BASE_DIR, copy, ignore=shutil.ignore_patterns(*NOT_SOURCE), symlinks=True)
    env = {**os.environ, "DJANGO_ENV": "test", "TIPCAST_VAR_DIR": str(copy / "var")}
    for domain in DOMAINS:
        ignores = [f"--ignore={name}" for name in [*NOT_SOURCE, *IGNORED_BY_DOMAIN[domain]]]
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-d", domain, "-l", "ja", "--no-obsolete", *ignores],
            cwd=copy,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    return {domain: copy / "locale" / "ja" / "LC_MESSAGES" / f"{domain}.po" for domain in DOMAINS}


@pytest.mark.parametrize("domain", DOMAINS)
def test_no_string_in_the_code_is_missing_from_the_japanese_catalog(domain, extracted_catalogs):
    path = extracted_catalogs[domain]
    extracted = messages(read_po(path)) if path.exists() else []
    committed = {(e.msgctxt, e.msgid, e.msgid_plural) for e in committed_catalog(domain)}
    missing = [e.label for e in extracted if (e.msgctxt, e.msgid, e.msgid_plural) not in committed]
    assert not missing, (
        f"new strings without a Japanese translation ({len(missing)}); run `make messages` and translate "
        f"them in locale/ja/LC_MESSAGES/{domain}.po: {missing}"
    )


# --- (c) Pages speak Japanese when the visitor chose it -----------------------------------------


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """LocaleMiddleware activates the visitor's language for the whole thread and never
    resets it: without this, tests that run after these ones would see Japanese."""
    yield
    translation.deactivate()


@pytest.fixture
def japanese_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    return client


def test_home_page_is_japanese_with_the_language_cookie(japanese_client, make_tip):
    make_tip(title="送料はいくらですか？", answer_text="全国一律500円です。")
    html = japanese_client.get(reverse("qa:home")).content.decode()
    assert '<html lang="ja">' in html
    for text in [
        "Tips一覧",
        "検索",
        "質問する",
        "ログイン",
        "新規登録",
        "どのようなことでお困りですか？",
        "新着Tips",
        "送料はいくらですか？",
    ]:
        assert text in html, text
    assert "Ask a question" not in html and "Latest tips" not in html


def test_home_page_stays_english_without_a_choice(client, db):
    html = client.get(reverse("qa:home")).content.decode()
    assert '<html lang="en">' in html
    assert "Ask a question" in html and "質問する" not in html


def test_language_switcher_turns_the_site_japanese(client, db):
    response = client.post(reverse("set_language"), {"language": "ja", "next": reverse("qa:home")})
    assert response.status_code == 302
    html = client.get(reverse("qa:home")).content.decode()
    assert "質問する" in html and "言語" in html


def test_ask_page_labels_and_errors_are_japanese(japanese_client, customer, category):
    japanese_client.force_login(customer)
    html = japanese_client.get(reverse("qa:ask")).content.decode()
    for text in [
        "マイ質問",
        "ログアウト",
        "ご質問を一行で",
        "詳細",
        "カテゴリ",
        "わからない",
        "プレビュー",
        "質問を送信する",
    ]:
        assert text in html, text

    response = japanese_client.post(
        reverse("qa:ask"), {"title": "", "body": "　", "category": "", "website": "", "action": "submit"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "質問のタイトルを入力してください。" in html
    assert "詳細を空白だけにすることはできません。" in html  # an ideographic space is blank too


def test_tip_page_vote_is_japanese(japanese_client, make_tip):
    tip = make_tip(title="返品の送料は誰が払いますか？", answer_text="不良品の場合は当社が負担します。")
    html = japanese_client.get(tip.get_absolute_url()).content.decode()
    assert "返品の送料は誰が払いますか？" in html
    assert "この回答は役に立ちましたか？" in html
    assert "役に立った：0人" in html and "役に立たなかった：0人" in html
    assert "解決しませんでしたか？" in html


# --- A msgid xgettext cannot see -------------------------------------------------------------------

TRANSLATION_CALLS = {"gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy", "_"}


def _translation_calls_in_f_strings(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    name = getattr(inner.func, "id", None) or getattr(inner.func, "attr", None)
                    if name in TRANSLATION_CALLS:
                        lines.append(inner.lineno)
    return lines


def test_no_translation_call_inside_an_f_string():
    """xgettext does not read inside f-strings: a gettext("...") there is never
    extracted, so makemessages drops its msgid and the text shows in English
    (it happened to the tip page's vote). Call gettext first, then format."""
    base = Path(settings.BASE_DIR)
    skipped = {".venv", "node_modules", "tests", "bench", "staticfiles", "var", "media"}
    offenders = []
    for path in base.rglob("*.py"):
        if skipped & set(path.relative_to(base).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [f"{path.relative_to(base)}:{line}" for line in _translation_calls_in_f_strings(tree)]
    assert not offenders, offenders
