"""Value parsing: every format founders write, and every malformed one refused with a reason."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csuite.errors import InputError
from csuite.io.values import (
    add_months,
    infer_date_order,
    months_between,
    parse_bool,
    parse_date,
    parse_int,
    parse_money,
    parse_months,
    parse_percent,
    parse_period,
    parse_quarter,
    parse_ratio,
    split_series,
)


@pytest.mark.parametrize("text, expected", [
    ("$2.4M", 2_400_000), ("$800K", 800_000), ("$2,400,000", 2_400_000), ("2.4m", 2_400_000),
    ("USD 485,000.00", 485_000), ("$5,000", 5_000), ("1.2bn", 1_200_000_000), ("120万", 1_200_000),
    ("1.5亿", 150_000_000), ("€40k", 40_000), (38000, 38_000), ("0", 0),
])
def test_money_formats(text, expected):
    assert parse_money(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "", "abc", "$", "1.2.3M"])
def test_money_rejects_non_amounts(text):
    with pytest.raises(InputError):
        parse_money(text)


def test_money_negative_only_when_allowed():
    with pytest.raises(InputError, match="negative"):
        parse_money("-5")
    assert parse_money("(1,200)", allow_negative=True) == -1200
    assert parse_money("-$300", allow_negative=True) == -300


@pytest.mark.parametrize("text, expected", [
    ("96%", 0.96), ("0.96", 0.96), ("96", 0.96), ("6.5%", 0.065), ("0%", 0.0), (0.25, 0.25),
])
def test_percent_formats(text, expected):
    assert parse_percent(text) == pytest.approx(expected)


def test_percent_above_one_needs_a_percent_sign_unless_allowed():
    # 1.04 as a bare number is only a fraction where values above 100% make sense (NRR)
    assert parse_percent("1.04", fraction_max=3.0) == pytest.approx(1.04)
    assert parse_percent("104%", fraction_max=3.0) == pytest.approx(1.04)


@pytest.mark.parametrize("text, expected", [("3.1x", 3.1), ("3.1", 3.1), ("2.4×", 2.4), ("0.62", 0.62)])
def test_ratio_formats(text, expected):
    assert parse_ratio(text) == pytest.approx(expected)


@pytest.mark.parametrize("text, expected", [("14 months", 14), ("14", 14), ("2 years", 24), ("18 mo", 18)])
def test_months_formats(text, expected):
    assert parse_months(text) == pytest.approx(expected)


def test_int_refuses_fractions():
    assert parse_int("1,200") == 1200
    with pytest.raises(InputError, match="whole number"):
        parse_int("2.5")


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("false", False), ("Yes", True), ("no", False), ("1", True), ("0", False), (False, False),
])
def test_bool_is_strict(text, expected):
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["maybe", "", "2", "ture"])
def test_bool_refuses_unclear(text):
    with pytest.raises(InputError):
        parse_bool(text)


@pytest.mark.parametrize("text, expected", [
    ("2026-03-05", date(2026, 3, 5)), ("March 2026", date(2026, 3, 1)), ("Mar 2026", date(2026, 3, 1)),
    ("2026-03", date(2026, 3, 1)), ("25/03/2026", date(2026, 3, 25)), ("03/25/2026", date(2026, 3, 25)),
])
def test_date_formats(text, expected):
    assert parse_date(text) == expected


def test_ambiguous_date_names_the_flag():
    with pytest.raises(InputError, match="--date-order"):
        parse_date("03/04/2026")
    assert parse_date("03/04/2026", date_order="dmy") == date(2026, 4, 3)
    assert parse_date("03/04/2026", date_order="mdy") == date(2026, 3, 4)


def test_date_order_inferred_from_a_column():
    assert infer_date_order(["03/04/2026", "25/04/2026"]) == "dmy"
    assert infer_date_order(["03/04/2026", "04/25/2026"]) == "mdy"
    assert infer_date_order(["03/04/2026"]) is None


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "yesterday", "31/31/2026"])
def test_bad_dates(text):
    with pytest.raises(InputError):
        parse_date(text)


def test_periods_sort_by_date_not_text():
    labels = ["2027-Q1", "2026-Q4", "2026-11", "2026-09"]
    ordered = sorted(parse_period(x) for x in labels)
    assert [p.label for p in ordered] == ["2026-09", "2026-Q4", "2026-11", "2027-Q1"]
    assert parse_period("2026-q4").end == date(2026, 12, 31)


def test_month_arithmetic():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), -12) == date(2025, 11, 15)
    assert months_between(date(2025, 10, 1), date(2026, 10, 1)) == 12


def test_series_split():
    assert split_series("31%, 28%, 25%") == ["31%", "28%", "25%"]
    assert split_series("112% → 109% → 104%") == ["112%", "109%", "104%"]


@given(st.text(max_size=20))
def test_money_never_raises_anything_but_input_error(text):
    try:
        value = parse_money(text)
    except InputError:
        return
    assert value >= 0 and value == value and value != float("inf")


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_money_round_trips_plain_numbers(value):
    assert parse_money(f"{value:.2f}") == pytest.approx(round(value, 2))


def test_money_refuses_implausibly_large_amounts():
    assert parse_money("$9T".replace("T", "000B")) == 9e12
    with pytest.raises(InputError, match="implausibly large"):
        parse_money(1.797693134862316e306)
    with pytest.raises(InputError, match="implausibly large"):
        parse_money("20000000000000")


@pytest.mark.parametrize("text", ["2027-Q1", "2027 Q1", "Q1 2027", "q1-2027"])
def test_quarter_spellings(text):
    assert parse_quarter(text).label == "2027-Q1"


def test_quarter_refuses_a_month():
    with pytest.raises(InputError, match="month"):
        parse_quarter("2027-01")


def test_input_error_is_always_one_line():
    err = InputError("bad value 'nego\ntiation'", file="deals.csv", row=3, field="stage")
    assert str(err) == "deals.csv, row 3, field 'stage': bad value 'nego\\ntiation'"
