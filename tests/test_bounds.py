"""Bounded work and clean exits (issue 17, "Resource exhaustion" and "Wrong exit codes"): routing
is linear in the question's length, a question has a length cap with one clear message on every
front end, and an output path in a missing folder or a closed stdout ends with 2 or 0, never 1."""

from __future__ import annotations

import os
import subprocess
import sys

import anyio
import pytest

from csuite.errors import UsageError
from csuite.resources import load_data_yaml
from csuite.routing.index import build_index
from csuite.routing.router import route
from csuite.runner import Advisor
from tests.conftest import AS_OF, ROOT

LIMIT = load_data_yaml("routing.yaml")["max_question_chars"]


class CountingDict(dict):
    def __init__(self, data):
        super().__init__(data)
        self.lookups = 0

    def get(self, key, default=None):
        self.lookups += 1
        return super().get(key, default)


@pytest.fixture
def counted(monkeypatch):
    index = build_index()
    counting = CountingDict(index.terms.en_by_first)
    monkeypatch.setattr(index.terms, "en_by_first", counting)
    return counting


def test_a_long_word_costs_a_bounded_number_of_lookups(counted):
    """The old matcher looked up every prefix of every word: a 100,000-letter word built 100,000
    strings (about 4.9 GB). Now a word costs at most the longest keyword's length in lookups,
    whatever its own length."""
    longest = build_index().terms.longest_first
    for length in (100, 1_000, LIMIT - 1):
        counted.lookups = 0
        route("a" * length)
        assert counted.lookups <= longest + 3, (length, counted.lookups)


def test_lookups_grow_linearly_with_the_number_of_words(counted):
    per_word = []
    for words in (50, 200, LIMIT // 10):
        counted.lookups = 0
        route(" ".join(["pipelines"] * words))
        per_word.append(counted.lookups / words)
    assert max(per_word) == min(per_word)  # the same cost per word at every length


def test_overlapping_hits_are_resolved_as_before():
    # The faster overlap pass must still prefer the longer match and one hit per target.
    result = route("Is our burn multiple too high for a Series B, and is burnout hurting the AEs?")
    texts = {m.text for m in result.matched}
    assert "burn multiple" in texts and "burnout" in texts


def test_the_question_cap_on_every_front_end(run_cli):
    long = "Will we make Q4? " + "x" * LIMIT
    message = f"the question is {len(long):,} characters long; the limit is {LIMIT:,}"
    with pytest.raises(UsageError, match=message):
        route(long)
    with pytest.raises(UsageError, match=message):
        Advisor().ask(long)
    for args in (("route", long), ("ask", long, "--offline", "--as-of", AS_OF)):
        result = run_cli(*args)
        assert result.code == 2 and message in result.err and len(result.err.strip().splitlines()) == 1
    assert route("x" * LIMIT).question  # at the limit it is still answered


def test_the_question_cap_over_mcp():
    pytest.importorskip("mcp")
    from mcp import Client

    from csuite.mcp.server import build_server

    server = build_server()

    async def main():
        async with Client(server) as client:
            # The finding: a 5 MB question killed the server.
            routed = await client.call_tool("route", {"question": "y" * 5_000_000})
            asked = await client.call_tool("ask", {"question": "y " * 2_500_000})
            alive = await client.call_tool("route", {"question": "Will we make Q4?"})
            return routed, asked, alive

    routed, asked, alive = anyio.run(main)
    for result in (routed, asked):  # refused by the tool's schema, which states the same limit
        assert result.is_error and f"at most {LIMIT}" in result.content[0].text.replace(",", "")
    assert not alive.is_error


def _run_with_closed_stdout(*args: str) -> subprocess.CompletedProcess:
    """The real entry point writing to a pipe whose reader has already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, "-m", "csuite", *args], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [("route", "Will we make the Q4 number?"),
                                  ("route", "Will we make the Q4 number?", "--json"),
                                  ("tools", "list"),
                                  ("tool", "revenue_forecast_model", "--as-of", AS_OF)])
def test_a_reader_that_left_is_a_clean_exit_0(args):
    result = _run_with_closed_stdout(*args)
    assert result.returncode == 0 and "Traceback" not in result.stderr and "Exception" not in result.stderr


def test_a_closed_stdout_descriptor_is_a_clean_exit_0():
    result = subprocess.run(f'"{sys.executable}" -m csuite route "Will we make Q4?" >&-', shell=True, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr


def test_an_output_path_in_a_missing_folder_is_exit_2(run_cli, tmp_path):
    pytest.importorskip("matplotlib")
    missing = tmp_path / "no-such-folder" / "chart.png"
    result = run_cli("tool", "revenue_forecast_model", "--as-of", AS_OF, "--plot", missing)
    assert result.code == 2 and str(missing) in result.err and "No such file or directory" in result.err
    assert "unexpected error" not in result.err and "Traceback" not in result.err
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    result = run_cli("package", "--out", not_a_folder / "zips")
    assert result.code == 2 and "Not a directory" in result.err
