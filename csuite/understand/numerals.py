"""Numbers written as words: Chinese numerals (一 … 九, 十, 百, 千, 万, 亿, 两) and English number
words up to ninety-nine. Founders write "招两个CSM", "三百万美元", "four more AEs"."""

from __future__ import annotations

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_LARGE_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_NUMERAL_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL_UNITS) + "".join(CN_LARGE_UNITS)

EN_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
            "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
            "nineteen": 19}
EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
           "eighty": 80, "ninety": 90}
# "twenty-five", "twenty five", "four": longest alternatives first for a regular expression.
EN_NUMBER_PATTERN = (
    r"(?:(?:" + "|".join(EN_TENS) + r")(?:[\s-](?:" + "|".join(k for k in EN_UNITS if EN_UNITS[k] < 10 and k != "zero")
    + r"))?|" + "|".join(sorted(EN_UNITS, key=len, reverse=True)) + r")"
)


def parse_english_number(words: str) -> int | None:
    """'four' → 4, 'twenty-five' → 25, 'twenty five' → 25; None for anything else."""
    parts = words.lower().replace("-", " ").split()
    if len(parts) == 1:
        if parts[0] in EN_UNITS:
            return EN_UNITS[parts[0]]
        return EN_TENS.get(parts[0])
    if len(parts) == 2 and parts[0] in EN_TENS and parts[1] in EN_UNITS and 0 < EN_UNITS[parts[1]] < 10:
        return EN_TENS[parts[0]] + EN_UNITS[parts[1]]
    return None


def _below_ten_thousand(text: str) -> int | None:
    """'三千二百' → 3200, '十五' → 15, '两百' → 200, '三' → 3. None when malformed."""
    if not text:
        return 0
    total, digit, seen_digit = 0, 0, False
    last_unit = 10_000
    for char in text:
        if char in CN_DIGITS:
            if seen_digit and digit:      # two digits in a row ("三三") is not a number
                return None
            digit, seen_digit = CN_DIGITS[char], True
        elif char in CN_SMALL_UNITS:
            unit = CN_SMALL_UNITS[char]
            if unit >= last_unit:
                return None
            # "十五" starts with the unit: one ten.
            total += (digit if seen_digit else 1) * unit
            digit, seen_digit, last_unit = 0, False, unit
        else:
            return None
    return total + digit


def parse_chinese_number(text: str) -> int | None:
    """A Chinese numeral as an integer: '两' → 2, '十二' → 12, '三百万' → 3,000,000,
    '一亿二千万' → 120,000,000. None when `text` is not a well-formed numeral."""
    if not text or any(c not in CN_NUMERAL_CHARS for c in text):
        return None
    total = 0
    rest = text
    for char, unit in (("亿", CN_LARGE_UNITS["亿"]), ("万", CN_LARGE_UNITS["万"])):
        if char in rest:
            head, rest = rest.split(char, 1)
            if char in rest:
                return None
            value = _large_head(head)
            if value is None:
                return None
            total += value * unit
    tail = _below_ten_thousand(rest)
    if tail is None:
        return None
    return total + tail


def _large_head(head: str) -> int | None:
    """The multiplier in front of 万 or 亿 ('三百' in 三百万); a bare unit means one ('万' → 1)."""
    if not head:
        return 1
    if "万" in head:                      # 一万万 is not how anyone writes 亿
        return None
    return _below_ten_thousand(head)
