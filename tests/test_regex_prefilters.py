"""Patterns compiled only when a literal needle is in the text (issue 19) find exactly what the
always-compiled patterns find: the metric-phrase search over a context's sentences, the metric
names self-verify looks for, and the critic's head counts and phrases."""

from __future__ import annotations

import re
import sys
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from csuite.checks import critic
from csuite.checks.verify import _NAMES, name_hits
from csuite.context.vocabulary import _SENTENCE_PART, _index, find_phrases, vocabulary
from csuite.routing.text import FOLD

SENTENCE = _index().sentence
# The words of every metric phrase, read from the vocabulary (not from the needles under test).
PHRASES = [text for spec in vocabulary().metrics.values()
           for text in [*spec.labels.all(), *spec.loose.all(), *(t for table in spec.scaled.values() for t in table)]]
PIECES = sorted({piece for text in PHRASES for piece in _SENTENCE_PART.findall(text.lower())})
NAMES = sorted({name for names in _NAMES.values() for name in names})
# Characters IGNORECASE folds onto ASCII letters, and word characters around a name.
ODD = ["\u0130", "\u0131", "\u017f", "\u212a", "K", "S", "I", "é", "_", "9", " ", "-", "%", "(", "的", "率"]


def _spans(matches) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in matches]


# Letters IGNORECASE reads as an ASCII letter ("ſ" is an "s"): a name may be written with them.
TWINS = {"s": ("\u017f",), "k": ("\u212a",), "i": ("\u0131", "\u0130")}


def _mixed_case(draw, text: str) -> str:
    choices = draw(st.lists(st.integers(0, 3), min_size=len(text), max_size=len(text)))
    return "".join(((c, c.upper(), *TWINS.get(c, ())) * 2)[choice] for c, choice in zip(text, choices))


@st.composite
def sentence_texts(draw) -> str:
    separators = [" ", "-", "_", "/", "s", "% ", "&", ", "]
    parts = draw(st.lists(st.one_of(st.sampled_from(PIECES), st.sampled_from(separators),
                                    st.text(alphabet="abcdefghijklmnoprstuy0123 的了", max_size=3)),
                          max_size=14))
    return "".join(parts)


@st.composite
def verify_texts(draw) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(NAMES), st.sampled_from(ODD), st.text(max_size=3)), max_size=8))
    return _mixed_case(draw, "".join(parts)) if draw(st.booleans()) else "".join(parts)


@settings(max_examples=400, deadline=None)
@given(sentence_texts(), st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=2))
def test_the_sentence_search_finds_what_the_whole_alternation_finds(text, max_parts, max_filtered):
    whole = re.compile(SENTENCE.whole())
    # also past the limit of parts, and of clauses looked through for needles
    search = replace(SENTENCE, max_parts=max_parts, max_filtered=max_filtered, _compiled={}, _filtered=[0])
    for sample in (text, text + " " + text[::-1], text[::-1]):
        assert _spans(search.finditer(sample)) == _spans(whole.finditer(sample))


def test_a_long_context_switches_to_the_whole_alternation_once():
    search = replace(SENTENCE, max_filtered=2, _compiled={}, _filtered=[0])
    for _ in range(5):
        list(search.finditer("net revenue retention and gross revenue retention"))
    assert search._filtered == [2] and () in search._compiled and len(search._compiled) == 2


def test_the_sentence_search_reads_a_context_sentence_as_before():
    hits = find_phrases("Net revenue retention ended the year at 97%, gross at 84%; 净收入留存率为97%")
    assert [h.text for h in hits] == ["Net revenue retention", "净收入留存"]


@settings(max_examples=400, deadline=None)
@given(verify_texts(), st.sampled_from(NAMES))
def test_a_metric_name_is_found_where_the_compiled_pattern_finds_it(text, name):
    expected = re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", text, re.I)
    assert _spans(name_hits(name, text, text.translate(FOLD))) == _spans(expected)


def test_the_fold_covers_every_character_ignorecase_matches_with_a_name_character():
    """Every Unicode character that IGNORECASE matches with a character of a metric name folds to
    that character's fold: a needle absent from the folded text means no match."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    name_chars = sorted({c for name in NAMES for c in name} | set("abcdefghijklmnopqrstuvwxyz"))
    candidates = set(re.findall("[" + "".join(re.escape(c) for c in name_chars) + "]", everything, re.I))
    for char in candidates:
        for name_char in name_chars:
            if re.fullmatch(re.escape(name_char), char, re.I):
                assert char.translate(FOLD) == name_char.lower(), (hex(ord(char)), name_char)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["20 ", "3 more sales reps", "招20个销售", "12", " engineers", "٣ ",
                                           "hire ", "$4", "%", "名", "工程师", "people", "AEs", "，"]),
                          st.text(max_size=3)), max_size=8).map("".join))
def test_head_counts_match_the_always_compiled_pattern(question):
    expected = [int(m.group("n") or m.group("zh")) for m in re.compile(critic.PEOPLE, re.I).finditer(question)]
    assert critic.head_counts(question) == expected


def test_a_head_count_is_read():
    assert critic.head_counts("Should we hire 20 more sales reps?") == [20]
    assert critic.head_counts("要不要招20个销售？") == [20]
    assert critic.head_counts("Should we hire more reps?") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "Z", "0", "9", " ", "-", "&", "é", "İ", "K", "\u3400", "\u9fff",
                                         "中", "\u33ff", "\ua000", "_", "'"]), max_size=12) | st.text(max_size=12))
def test_segment_letters_without_a_regex_keep_what_the_regex_kept(name):
    from csuite.understand.names import _letters

    assert _letters(name) == re.sub(r"[^0-9a-z\u3400-\u9fff]", "", name.lower())


_BOUND_PIECES = ["more than", "MORE THAN", "ſouth of", "\u0130", "at leaſt", "≥", "<=", "超过", "以下", "up to",
                 "~", "≈", " ", "  ", "$", "1", "x", "-", "北", "ı", "K", "under", "Over", "south", "of"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_BOUND_PIECES) | st.text(max_size=3), max_size=8).map("".join))
def test_bound_words_are_looked_for_only_where_a_window_holds_one(before):
    from csuite.context import values

    always = re.compile(r"(?:" + values.word_pattern("bounds").pattern + r")\s*[~≈]?\s*$", re.I)
    text = before + "5"
    start = len(before)
    assert values._bound_before(text, start) == bool(always.search(text[max(0, start - 16):start].lower()))


def _segment_terms() -> list[str]:
    from csuite.understand.lexicon import lexicon

    segments = lexicon().segments.values()
    return sorted({t for words in segments for t in [*words.en, *words.zh, *words.keys] if t and t.strip()})


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_segment_patterns_run_only_where_the_question_holds_a_first_word(data):
    from csuite.understand import names

    pieces = st.sampled_from(_segment_terms()).map(lambda t: _mixed_case(data.draw, t)) | st.sampled_from(
        [" ", "-", "  ", "the ", "our ", "ſ", "K", "\u0130", "?", "中"])
    text = "".join(data.draw(st.lists(pieces, max_size=6)))
    segments = data.draw(st.lists(st.sampled_from(["SMB", "Enterprise", "Mid-Market", "Startups", "中小企业"]),
                                  max_size=2))
    everything = {canonical: None for canonical in names._segment_needles()}
    expected = _always(names, everything, text, segments)
    assert names.match_segments(text, segments) == expected


def _always(names, everything, text, segments):
    """match_segments with every segment's pattern run."""
    real = names._segment_needles
    names._segment_needles = lambda: everything
    try:
        return names.match_segments(text, segments)
    finally:
        names._segment_needles = real


ACCOUNTS = ["Acme Corp", "Northwind Traders", "Castellan Freight Group", "Pembrook Supply", "Pembrook Foods",
            "Kestrel Inc", "Sierra Labs", "Harborline Construction", "Harborline Construction - Expansion",
            "Island Co", "星河科技有限公司", "Zeta-9 Systems", "Ms. Saks & Sons", "Élan Partners"]


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_account_names_are_compiled_only_where_the_question_holds_their_words(data):
    """A name's pattern is compiled only when each of its words is in the folded question; what is
    found is what compiling every name finds, whatever the case or the letters that fold to ASCII."""
    from csuite.understand import names

    words = sorted({w for n in ACCOUNTS for w in names._words(n)} | {"星河科技", "星河"} | set(ACCOUNTS))
    pieces = st.sampled_from(words).map(lambda w: _mixed_case(data.draw, w.lower())) | st.sampled_from(
        [" ", "-", "'s ", "Will ", "renew?", "ſ", "\u212a", "\u0130", "中", "&", "9"])
    text = "".join(data.draw(st.lists(pieces, max_size=7)))
    accounts = data.draw(st.lists(st.sampled_from(ACCOUNTS), min_size=1, max_size=6, unique=True))
    segments = data.draw(st.lists(st.sampled_from(["Healthcare", "Kiosk Retail", "SMB", "星河"]), max_size=2))
    real = names._may_mention
    names._may_mention = lambda words, folded: True
    try:
        expected = (names.account_mentions(text, accounts), names.match_segments(text, segments))
    finally:
        names._may_mention = real
    assert (names.account_mentions(text, accounts), names.match_segments(text, segments)) == expected


def test_a_mixed_case_account_is_still_found_past_the_prefilter():
    from csuite.understand.names import match_accounts

    assert match_accounts("Is CASTELLAN FREIGHT going to churn?", ["Castellan Freight Group", "Acme Corp"]) == [
        "Castellan Freight Group"]
    assert match_accounts("Will ACME renew?", ["Acme Corp"]) == ["Acme Corp"]
    assert match_accounts("is castellan at risk?", ["Castellan Freight Group"]) == []  # a short name needs its capital
    assert match_accounts("星河科技会续约吗", ["星河科技有限公司"]) == ["星河科技有限公司"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["中", "文", "㐀", "䶿", "\u4dc0", "豈", "\ufaff", "a", " ", "1", "。", "ｱ"]),
               max_size=20))
def test_chinese_characters_are_counted_from_the_shared_runs(text):
    """The renderer, the language detector and the context reader count Chinese characters from
    the one compiled run pattern (issue 19: each compile of the class costs 2 ms); the count is
    the characters a one-character class finds. The Yijing hexagrams (U+4DC0–U+4DFF) are symbols,
    not Chinese characters."""
    from csuite.io.text import cjk_count

    assert cjk_count(text) == len(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]", text))
