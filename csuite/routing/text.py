"""Text processing shared by the keyword router and the learned model: normalisation, English
tokens and stems, Chinese character runs, and the clauses that state a purpose."""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from functools import lru_cache

from csuite.io.text import CJK_BLOCKS, CJK_RUN

# Any Chinese character: the same compiled pattern, since search() finds a run exactly when it
# finds a character, and compiling a 27,000-character class again costs a millisecond per start.
CJK_RE = CJK_RUN

_TOKEN = re.compile(r"[a-z0-9]+(?:&[a-z0-9]+)?")

STOP_EN = frozenset("""
a an the and or but if then than so to of in on at by for from with about into over under as is are was
were be been being am do does did doing have has had having i me my we us our ours you your they them
their he she it its this that these those there here what which who whom whose when where why how can
could should would will shall may might must not no yes all any some each every more most much many
very just also too only own same other such up down out off again further once get got make made go
going want need needs let lets like one two three four five six seven eight nine ten per vs versus
right now today next last new good best better big small really still even ever s t ok okay please
tell help think know way thing things something anyone someone before after during while since until
between through without within across via among already actually ask asks asked say says said give gives
take takes put see look use using used try
""".split())
# What IGNORECASE matches with an ASCII character: an ASCII letter's other case, and four letters
# outside ASCII (dotted and dotless i, the long s, the Kelvin sign); tests/test_regex_prefilters.py
# checks the list against every Unicode character. `text.translate(FOLD)` is where a pattern's
# literal words are looked for before it is compiled.
FOLD = str.maketrans({**{c: c.lower() for c in string.ascii_uppercase},
                      "\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


@lru_cache(maxsize=None)
def folded_needle(word: str) -> str | None:
    """What `text.translate(FOLD)` contains wherever `word` matches case-insensitively: the word
    in lower case, when it is written in ASCII and Chinese only (a Chinese character has no case)."""
    if all(c.isascii() or any(low <= c <= high for low, high in CJK_BLOCKS) for c in word):
        return word.lower()
    return None


def may_hold(folded: str, word: str) -> bool:
    """False only when `word` cannot match case-insensitively in a text whose `FOLD` is `folded`:
    its `folded_needle` is missing (a word with letters folding reaches from outside ASCII is
    always let through). Lets a caller skip compiling a pattern the text cannot hold."""
    needle = folded_needle(word)
    return needle is None or needle in folded


# Chinese function characters: a bigram made only of these carries no topic.
STOP_ZH = frozenset("我们你他她它的了吗呢吧啊是在有和与及或就都也还要会能该应怎么什么为哪些个这那一多少如何可以不没到给让把被对从比更很太最")


def normalise(text: str) -> str:
    """NFKC (full-width → ASCII), lower case, curly quotes and possessives flattened."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("'s ", " ").replace("'", "")
    return text


def tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ers", "er", "ied", "ies", "ed", "es", "s", "e", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def similarity_features(text: str) -> Counter:
    """Bag of English stems and Chinese character bigrams, for example similarity."""
    feats: Counter = Counter()
    for token, _, _ in tokens(text):
        if token in STOP_EN or token.isdigit() or len(token) < 2:
            continue
        feats["w:" + stem(token)] += 1
    for run in CJK_RUN.findall(text):
        if len(run) == 1:
            if run not in STOP_ZH:
                feats["z:" + run] += 1
            continue
        for i in range(len(run) - 1):
            pair = run[i:i + 2]
            if pair[0] in STOP_ZH and pair[1] in STOP_ZH:
                continue
            feats["z:" + pair] += 1
    return feats


def token_matches(keyword_token: str, token: str) -> bool:
    if token == keyword_token:
        return True
    if len(keyword_token) >= 4:
        return token.startswith(keyword_token)
    return token in (keyword_token + "s", keyword_token + "es")


def unit_vector(bag: Counter, idf: dict[str, float], default_idf: float | None = None) -> dict[str, float]:
    vec: dict[str, float] = {}
    for feat, count in bag.items():
        weight = idf.get(feat, default_idf)
        if weight is None:
            continue
        vec[feat] = (1.0 + math.log(count)) * weight
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {f: v / norm for f, v in vec.items()} if norm else {}


def alternation(words: list[str] | tuple[str, ...]) -> str:
    """A regex alternation of normalised words and phrases, longest first. Inside an English
    phrase any run of spaces or a hyphen matches ("mid-market" ~ "mid market"); Chinese terms
    match as written. Never matches when `words` is empty."""
    parts = []
    for word in sorted({w.strip() for w in words if w and w.strip()}, key=lambda w: (-len(w), w)):
        if CJK_RE.search(word):
            parts.append(re.escape(word))
            continue
        pieces = [re.escape(p) for p in re.split(r"[\s-]+", word) if p]
        parts.append(r"[\s-]*".join(pieces) if len(pieces) > 1 else pieces[0])
    return "|".join(parts) if parts else r"(?!x)x"


CLAUSE_END = re.compile(r"[.?!;,。？！；，]")


def purpose_spans(text: str, markers: tuple[re.Pattern[str], ...]) -> list[tuple[int, int]]:
    """Stretches of text that state a purpose or an outcome ("so that customers onboard faster",
    "to close more deals", "为了多招几个销售"): from the marker to the end of its clause."""
    spans = []
    for marker in markers:
        for found in marker.finditer(text):
            end = CLAUSE_END.search(text, found.end())
            spans.append((found.start(), end.start() if end else len(text)))
    return spans
