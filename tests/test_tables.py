"""Reading founder files: encodings, line endings, formats, and errors that name file and row."""

import json

import pytest

from tests.conftest import writer

from csuite.errors import InputError, UsageError
from csuite.io.files import append_line, atomic_write_text
from csuite.io.tables import canonical_key, read_table, read_text, resolve_columns


write = writer("input.csv")


def test_bom_and_crlf_are_invisible(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbfDeal ID,Amount\r\nD1,\"$5,000\"\r\nD2,700\r\n", "deals.csv")
    table = read_table(path)
    assert table.headers == ["Deal ID", "Amount"]
    assert [r["Amount"] for r in table.rows] == ["$5,000", "700"]
    assert table.row_numbers == [2, 3]


def test_utf16_with_bom(tmp_path):
    path = write(tmp_path, "id,amount\nA,1\n".encode("utf-16"), "deals.csv")
    assert read_table(path).rows == [{"id": "A", "amount": "1"}]


def test_windows_1252_is_read_and_named(tmp_path):
    path = write(tmp_path, "id,name\n1,Caf\xe9\n".encode("cp1252"), "deals.csv")
    table = read_table(path)
    assert table.rows == [{"id": "1", "name": "Café"}]
    assert any("Windows-1252" in w and str(path) in w for w in table.warnings)


def test_binary_and_bad_bom_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="binary"):
        read_table(write(tmp_path, b"id,name\n\x00\x01\x02\xff\xfe\x00\x00\x00", "b.csv"))
    # A UTF-16 byte-order mark followed by an unpaired surrogate is not UTF-16.
    with pytest.raises(InputError, match="UTF-16"):
        read_table(write(tmp_path, b"\xff\xfea\x00,\x00\x00\xd8b\x00", "u.csv"))


@pytest.mark.parametrize("content, message", [(b"", "empty"), (b"   \n\n", "empty")])
def test_empty_file(tmp_path, content, message):
    with pytest.raises(InputError, match=message):
        read_table(write(tmp_path, content, "x.csv"))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_text(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="directory"):
        read_text(tmp_path)


def test_extra_cells_name_the_row(tmp_path):
    path = write(tmp_path, b"a,b\n1,2\n3,4,5\n", "x.csv")
    with pytest.raises(InputError) as info:
        read_table(path)
    assert info.value.row == 3
    assert "row 3" in str(info.value)


def test_semicolon_and_tab_delimiters(tmp_path):
    assert read_table(write(tmp_path, b"a;b\n1;2\n", "a.csv")).rows == [{"a": "1", "b": "2"}]
    assert read_table(write(tmp_path, b"a\tb\n1\t2\n", "b.tsv")).rows == [{"a": "1", "b": "2"}]


def test_json_and_yaml_and_inline(tmp_path):
    rows = [{"id": "A", "amount": 5}]
    assert read_table(write(tmp_path, json.dumps({"rows": rows}).encode(), "a.json")).rows[0]["id"] == "A"
    assert read_table(write(tmp_path, b"- id: A\n  amount: 5\n", "a.yaml")).rows[0]["amount"] == 5
    assert read_table(rows).rows[0]["id"] == "A"


def test_bad_json_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="JSON"):
        read_table(write(tmp_path, b"{not json", "a.json"))


def test_resolve_columns_lists_what_is_missing():
    table = read_table([{"Deal Name": "x", "Amount": "1"}])
    mapping = resolve_columns(table, {"name": ["deal name"], "amount": [], "stage": ["deal stage"]},
                              required=["name", "amount"])
    assert mapping == {"name": "Deal Name", "amount": "Amount"}
    with pytest.raises(InputError, match="stage"):
        resolve_columns(table, {"stage": ["deal stage"]}, required=["stage"])


def test_canonical_key_is_unicode_aware():
    assert canonical_key("Probability (%)") == canonical_key("probability %")
    assert canonical_key(" Close  Date ") == "close_date"
    assert canonical_key("净收入留存") == "净收入留存"


def test_atomic_write_refuses_then_backs_up(tmp_path):
    path = tmp_path / "company-context.md"
    atomic_write_text(path, "one")
    with pytest.raises(UsageError, match="refusing"):
        atomic_write_text(path, "two")
    assert path.read_text() == "one"
    atomic_write_text(path, "two", overwrite=True)
    assert path.read_text() == "two"
    assert (tmp_path / "company-context.md.bak").read_text() == "one"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_append_keeps_earlier_lines_and_closes_an_unfinished_one(tmp_path):
    log = tmp_path / "decisions.jsonl"
    append_line(log, '{"a": 1}')
    append_line(log, '{"b": 2}')
    assert log.read_text().splitlines() == ['{"a": 1}', '{"b": 2}']
    with open(log, "a") as handle:
        handle.write('{"c": ')  # a writer killed mid-line
    append_line(log, '{"d": 4}')
    assert log.read_text().splitlines() == ['{"a": 1}', '{"b": 2}', '{"c": ', '{"d": 4}']


def test_line_break_in_a_cell_keeps_the_error_on_one_line(run_cli, tmp_path):
    path = tmp_path / "company-context.md"
    path.write_text("x")
    bad = tmp_path / "pipeline.csv"
    bad.write_text('deal_id,name,stage,amount,close_date,owner,segment\nD1,Acme,"nego\ntiation",100,2026-12-01,AE,SMB\n')
    result = run_cli("tool", "revenue_forecast_model", bad, "--as-of", "2026-11-23")
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1


def test_normalise_keys_maps_aliases_and_refuses_typos_and_repeats():
    from csuite.io.tables import normalise_keys

    aliases = {"attrition": ["annual_attrition"], "quota": []}
    assert normalise_keys({"Annual attrition": 0.2, "quota": 5}, aliases, "plan.yaml") == {"attrition": 0.2, "quota": 5}
    with pytest.raises(InputError, match="field 'atrition': unknown key"):
        normalise_keys({"atrition": 0.2}, aliases, "plan.yaml")
    with pytest.raises(InputError, match=r"field 'attrition': is given twice \(as '…' and"):
        normalise_keys({"attrition": 0.2, "annual_attrition": 0.3}, aliases, "plan.yaml")


@pytest.mark.parametrize("name, text", [("plan.yaml", "tiers:\n  strategic: 1\n  strategic: 2\n"),
                                        ("plan.json", '{"tiers": {"strategic": 1, "strategic": 2}}')])
def test_documents_refuse_duplicate_keys(tmp_path, name, text):
    from csuite.io.tables import load_document

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(InputError, match="appears twice"):
        load_document(path)


def test_yaml_dates_stay_text_for_our_parser(tmp_path):
    from csuite.io.tables import load_document

    path = tmp_path / "plan.yaml"
    path.write_text("as_of: 2025-13-01\n")
    assert load_document(path) == {"as_of": "2025-13-01"}  # parse_date then names the field


def test_keyword_pattern_prefix_whole_words_and_phrases():
    from csuite.io.text import keyword_pattern, normalise_words

    assert normalise_words("Price-increase!  at_renewal") == "price increase at renewal"
    pattern = keyword_pattern(["renewal*", "roi", "price increase", "*", ""])
    assert pattern.search(normalise_words("Renewals slipped"))          # renewal* is a prefix
    assert not pattern.search(normalise_words("No ROIs yet"))           # roi is a whole word: ROIs is not
    assert pattern.search(normalise_words("a Price-Increase at renewal"))
    assert not pattern.search(normalise_words("priceincrease"))
    # A list with no usable keyword matches nothing (an empty regex would match every text).
    assert not keyword_pattern([]).search("anything at all")
    assert not keyword_pattern(["*", " "]).search("anything at all")


def test_read_header_reads_the_header_row_only(tmp_path):
    from csuite.io.tables import read_header

    path = tmp_path / "snap.csv"
    path.write_text("Customer;Month;ARR\nA;2025-01;100\n", encoding="utf-8")
    head = read_header(path)
    assert head is not None and head.headers == ["Customer", "Month", "ARR"] and head.rows == []
    assert read_table(path).headers == head.headers        # the same delimiter guess as read_table
    assert read_header([{"a": 1}]) is None
    json_path = tmp_path / "rows.json"
    json_path.write_text('[{"a": 1}]', encoding="utf-8")
    assert read_header(json_path) is None


@pytest.mark.parametrize("tail", [b"", "Zoë;2025-02;5\r\n".encode("cp1252"), "客户;2025-02;5\r\n".encode("utf-8")])
def test_read_header_of_a_large_file_reads_its_first_lines_only(tmp_path, tail):
    # A large file's header comes from its first 64 KB when they are plain ASCII; the result is
    # the one a whole-file decode gives, whatever the rest of the file is encoded in.
    from csuite.io import tables

    body = "".join(f"Account {i};2025-01;{i}\r\n" for i in range(6000)).encode("ascii")
    path = tmp_path / "big.csv"
    path.write_bytes(b"Report: ARR by month\r\n\r\nCustomer;Month;ARR\r\n" + body + tail)
    head = tables.read_header(path)
    assert head is not None and head.headers == ["Customer", "Month", "ARR"]
    assert read_table(path).headers == head.headers
    for first in ("Kunde;Monat;ARR\r\n".encode("cp1252"), "客户;月份;ARR\n".encode("utf-8")):
        path.write_bytes(first + body + tail)        # not ASCII: decoded whole, as before
        assert tables.read_header(path).headers == read_table(path).headers
