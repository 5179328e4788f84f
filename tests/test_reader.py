"""The shared reader (csuite.io): real export variants read to the same columns and numbers."""

from __future__ import annotations

import csv
import importlib.util
import io
from datetime import date

import pytest

from tests.conftest import writer

from csuite.errors import InputError
from csuite.io import workbook
from csuite.io.columns import date_column, inert, labels, money_column
from csuite.io.files import csv_text, write_csv
from csuite.io.tables import read_table, sniff_delimiter
from csuite.io.values import parse_date, parse_money

SALESFORCE_FOOTER = ('\n"Confidential Information - Do Not Distribute"\n'
                     '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n')


write = writer("input.csv")


def test_pipe_delimiter_and_sniffing_ignores_quoted_commas():
    assert sniff_delimiter("a|b|c\n1|2|3\n") == "|"
    # Two commas inside every quoted money cell must not outvote one semicolon per line.
    assert sniff_delimiter('Name;Amount\n"A";"1,234,50"\n"B";"2,000,00"\n') == ";"


def test_salesforce_footer_is_skipped_and_reported(tmp_path):
    body = '"Stage","Amount"\n"Prospecting","100"\n"Closed Won","250"\n'
    table = read_table(write(tmp_path, body + SALESFORCE_FOOTER, "sf.csv"))
    assert table.values("Stage") == ["Prospecting", "Closed Won"]
    assert [table.row_number(i) for i in range(len(table))] == [2, 3]
    assert any("skipped 2 line(s) after the last data row (row 3)" in w for w in table.warnings)
    # The footer's own words are never echoed back.
    assert not any("Confidential" in w for w in table.warnings)


def test_report_title_above_the_header_is_skipped_and_rows_keep_their_numbers(tmp_path):
    text = "Opportunity Pipeline\nFiltered By: Close Date = This FY\n\nStage,Amount\nProspecting,100\n"
    table = read_table(write(tmp_path, text, "t.csv"))
    assert table.headers == ["Stage", "Amount"] and table.row_number(0) == 5
    assert any("skipped 2 line(s) above the header" in w for w in table.warnings)


def test_a_single_cell_last_row_without_a_blank_line_is_data_not_footer(tmp_path):
    # No blank line and no footer words: the row is kept, so the tool can name what is wrong with it.
    table = read_table(write(tmp_path, "Stage,Amount\nProspecting,100\nNegotiation,\n", "t.csv"))
    assert table.values("Stage") == ["Prospecting", "Negotiation"] and table.values("Amount") == ["100", None]


def test_quoted_line_break_keeps_row_numbers(tmp_path):
    table = read_table(write(tmp_path, 'id,note\nA,"two\nlines"\nB,x\n', "q.csv"))
    assert [table.row_number(i) for i in range(2)] == [2, 4]


def test_utf16_without_bom_and_gb18030(tmp_path):
    table = read_table(write(tmp_path, "id,amount\nA,1\n".encode("utf-16-le"), "u.csv"))
    assert table.values("amount") == ["1"]
    chinese = read_table(write(tmp_path, "客户,金额\n北京科技有限公司,12000\n".encode("gb18030"), "c.csv"))
    assert chinese.values("客户") == ["北京科技有限公司"]
    assert any("GB18030" in w for w in chinese.warnings)


def test_cp1252_names_are_not_misread_as_central_european(tmp_path):
    table = read_table(write(tmp_path, "id,name\nA1,Crème Brûlée Bakery\n".encode("cp1252"), "w.csv"))
    assert table.values("name") == ["Crème Brûlée Bakery"]


def test_deeply_nested_json_is_input_error(tmp_path):
    path = write(tmp_path, "[" * 100_000 + "]" * 100_000, "deep.json")
    with pytest.raises(InputError, match="nested too deeply"):
        read_table(path)


# ----------------------------------------------------------------------------- money columns

def _money(tmp_path, cells: list[str], delimiter: str = ","):
    text = f"id{delimiter}amount\n" + "".join(f'{i}{delimiter}"{c}"\n' for i, c in enumerate(cells))
    table = read_table(write(tmp_path, text, "m.csv"))
    return money_column(table.values("amount"), table, "amount")


def test_european_amounts_read_as_thousands(tmp_path):
    col = _money(tmp_path, ["84.500,00 €", "12.500 €", "1.250,5 €"], ";")
    assert list(col.values) == [84_500.0, 12_500.0, 1_250.5]
    assert col.currency == "EUR" and col.decimal == ","
    assert any("in EUR" in note for note in col.notes)


def test_euro_prefix_with_dot_grouping_is_not_twelve_and_a_half(tmp_path):
    # '€12.500' alone proves no separator; the euro's convention makes it 12,500, not $12.5.
    col = _money(tmp_path, ["€12.500", "€3.000"])
    assert list(col.values) == [12_500.0, 3_000.0] and col.currency == "EUR"
    assert parse_money("€12.500") == 12_500.0


def test_dollar_amounts_keep_the_dot_as_decimal(tmp_path):
    col = _money(tmp_path, ["$1,234.50", "$12.5", "USD 485,000.00"])
    assert list(col.values) == [1_234.5, 12.5, 485_000.0] and col.currency == "USD" and not col.notes


def test_a_column_mixing_decimal_styles_is_refused(tmp_path):
    with pytest.raises(InputError, match="both 1,234.56 and 1.234,56"):
        _money(tmp_path, ["1,234.56", "1.234,56"])


def test_a_column_mixing_currencies_is_refused(tmp_path):
    with pytest.raises(InputError, match="mix currencies"):
        _money(tmp_path, ["$100", "€100"])


def test_blank_and_bad_amounts_name_their_row(tmp_path):
    with pytest.raises(InputError) as err:
        _money(tmp_path, ["100", ""])
    assert err.value.row == 3 and "empty" in err.value.message
    with pytest.raises(InputError) as err:
        _money(tmp_path, ["100", "1E100"])
    assert err.value.row == 3 and "implausibly large" in err.value.message


def test_spaces_group_thousands_only_in_threes():
    assert parse_money("1 234,50 €") == 1_234.5 and parse_money("CHF 1'234.50") == 1_234.5
    with pytest.raises(InputError):
        parse_money("1 2")


# ----------------------------------------------------------------------------- dates

def test_dotted_dates_are_day_first_and_two_digit_years_are_not_next_century(tmp_path):
    assert parse_date("03.11.2026") == date(2026, 11, 3)
    assert parse_date("15/12/99") == date(1999, 12, 15)
    assert parse_date("15/12/25") == date(2025, 12, 15)
    table = read_table(write(tmp_path, "id,close\nA,03.11.2026\nB,04.11.2026\nC,03.11.2026\n", "d.csv"))
    assert date_column(table.values("close"), table, "close") == [date(2026, 11, 3), date(2026, 11, 4),
                                                                   date(2026, 11, 3)]


# ----------------------------------------------------------------------------- formula cells

def test_formula_cells_are_made_inert(tmp_path):
    assert inert("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert inert("@SUM(A1)") == "'@SUM(A1)" and inert("Acme") == "Acme" and inert(5) == 5
    assert inert("line\nbreak") == "line break"
    table = read_table(write(tmp_path, 'id,name\nA,"=1+2"\nB,Beta\n', "f.csv"))
    assert labels(table, "name") == ["'=1+2", "Beta"]


def test_csv_we_write_prefixes_formula_cells(tmp_path):
    text = csv_text(["name", "amount"], [["=cmd|' /C calc'!A0", -5], ["Acme", 10]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "-5"] and rows[2] == ["Acme", "10"]
    path = write_csv(tmp_path / "out.csv", ["a"], [["+1"]])
    assert path.read_text(encoding="utf-8") == "a\n'+1\n"
    with pytest.raises(Exception, match="already exists"):
        write_csv(path, ["a"], [["x"]])


# ----------------------------------------------------------------------------- Excel

def _xlsx(tmp_path, rows, name="report.xlsx"):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Opportunities"
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_xlsx_with_title_and_footer_reads_like_csv(tmp_path):
    path = _xlsx(tmp_path, [["Pipeline report"], [], ["Stage", "Amount", "Close Date"],
                            ["Prospecting", 84500.0, date(2026, 11, 3)], ["Closed Won", 1200.5, date(2026, 10, 1)],
                            [], ["Confidential Information - Do Not Distribute"]])
    table = read_table(path)
    assert table.headers == ["Stage", "Amount", "Close Date"]
    assert table.values("Amount") == ["84500", "1200.5"] and table.values("Close Date") == ["2026-11-03",
                                                                                              "2026-10-01"]
    assert [table.row_number(i) for i in range(2)] == [4, 5] and table.info.sheet == "Opportunities"
    assert any("above the header" in w for w in table.warnings)
    assert any("after the last data row" in w for w in table.warnings)


@pytest.mark.skipif(importlib.util.find_spec("openpyxl") is None, reason="writes xlsx with openpyxl")
def test_xlsx_without_the_extra_says_how_to_install(tmp_path, monkeypatch):
    path = _xlsx(tmp_path, [["Stage", "Amount"], ["Prospecting", 1]])
    monkeypatch.setattr(workbook.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InputError, match=r"pip install csuite-advisors\[excel\]"):
        read_table(path)


def test_xlsx_reader_falls_back_to_openpyxl(tmp_path, monkeypatch):
    path = _xlsx(tmp_path, [["Stage", "Amount"], ["Prospecting", 1]])
    real = importlib.util.find_spec
    monkeypatch.setattr(workbook.importlib.util, "find_spec",
                        lambda name: None if name == "python_calamine" else real(name))
    assert read_table(path).values("Amount") == ["1"]


def test_not_really_a_workbook(tmp_path):
    with pytest.raises(InputError, match="not an Excel workbook"):
        read_table(write(tmp_path, "Stage,Amount\nA,1\n", "fake.xlsx"))


@pytest.mark.parametrize("tool", ["revenue_forecast_model", "cs_coverage_calculator", "sales_capacity_model",
                                  "cs_next_hire", "churn_analyzer"])
def test_far_future_as_of_is_bad_input_not_a_crash(run_cli, tool):
    res = run_cli("tool", tool, "--as-of", "9999-12-31")
    assert res.code == 2 and "outside the years 1900–2999" in res.err and "Traceback" not in res.err
