"""The message catalogue: every key in every language, with the same placeholders."""

from __future__ import annotations

import pytest

from crm_core.i18n import CATALOGUE, LANGUAGES, Markup, normalize_language, placeholders, translate


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_catalogue_key_has_all_languages(key):
    for language in LANGUAGES:
        assert CATALOGUE[key][language].strip(), f"{key} has an empty {language} text"


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_catalogue_placeholders_match(key):
    english = placeholders(CATALOGUE[key]["en"])
    for language in LANGUAGES:
        assert placeholders(CATALOGUE[key][language]) == english, f"{key} in {language}"


def test_translate_escapes_user_text():
    text = translate("en", "access.welcome_admin", name="<b>Tom & Jerry</b>")

    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in text


def test_translate_keeps_markup():
    text = translate("en", "access.welcome_admin", name=Markup("<b>Tom</b>"))

    assert "<b>Tom</b>" in text


def test_translate_unknown_language_falls_back_to_english():
    assert translate("fr", "role.rep") == "sales rep"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        pytest.param("zh-hans", "zh", id="zh-hans"),
        pytest.param("zh_CN", "zh", id="zh_CN"),
        pytest.param("en-US", "en", id="en-US"),
        pytest.param("de", "en", id="unsupported"),
        pytest.param(None, "en", id="missing"),
    ],
)
def test_normalize_language(code, expected):
    assert normalize_language(code) == expected
