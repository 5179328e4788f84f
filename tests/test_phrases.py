"""The phrasebook: every sentence in both languages, the same placeholders in each, Chinese that
reads as Chinese, no number written into a phrase, and no duplicate key hiding another."""

from __future__ import annotations

import re

import pytest

from csuite.io.tables import load_document
from csuite.knowledge.bilingual import cjk_share
from csuite.knowledge.phrases import PHRASES_FILE, phrasebook
from csuite.resources import data_path

PLACEHOLDER = re.compile(r"\{[a-z_0-9]+\}")
# Text a Chinese sentence keeps in Latin letters: acronyms, metric names, code, the pack's flags.
LATIN_KEPT = re.compile(r"\{[a-z_0-9]+\}|`[^`]*`|\b[A-Z][A-Za-z&]*\b|--[a-z-]+|csuite|company-context\.md|[a-z]+\.csv")

PHRASES = phrasebook()


def test_the_file_has_no_duplicate_keys():
    # A repeated mapping key silently drops the first block when YAML loads it; the strict loader refuses.
    load_document(data_path(PHRASES_FILE))


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_both_languages_carry_the_same_placeholders(key):
    text = PHRASES[key]
    assert sorted(PLACEHOLDER.findall(text.en)) == sorted(PLACEHOLDER.findall(text.zh)), key
    assert text.en.count("[[") == text.zh.count("[["), f"{key}: optional clauses differ"


@pytest.mark.parametrize("key", sorted(k for k in PHRASES if not k.startswith(("labels.role", "metrics."))))
def test_chinese_reads_as_chinese(key):
    stripped = LATIN_KEPT.sub(" ", PHRASES[key].zh)
    if not re.search(r"[A-Za-z\u4e00-\u9fff]", stripped):
        return  # a label made only of placeholders, glyphs or acronyms
    assert cjk_share(stripped) >= 0.6, (key, PHRASES[key].zh)


@pytest.mark.parametrize("key", sorted(k for k in PHRASES if k.startswith(("verdicts.", "recommend.", "points."))))
def test_a_phrase_about_the_company_writes_no_number_of_its_own(key):
    # Every figure comes from a placeholder bound to evidence; words like "two quarters" are fine.
    for text in (PHRASES[key].en, PHRASES[key].zh):
        bare = re.sub(r"\bP\d0\b", "", PLACEHOLDER.sub("", text))   # P10 / P50 / P90 name a percentile
        assert not re.search(r"\d", bare), (key, text)


def test_the_checker_would_catch_a_missing_translation_and_a_number():
    assert sorted(PLACEHOLDER.findall("{a} and {b}")) != sorted(PLACEHOLDER.findall("{a}"))
    assert re.search(r"\d", PLACEHOLDER.sub("", "a 3x line")) is not None
    assert cjk_share("This is English") < 0.6
