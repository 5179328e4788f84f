"""Start-up: derived tables are cached on disk and rebuilt when a source changes; the CLI imports
only the command it runs."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys

from csuite.resources import cached_build, load_yaml
from tests.conftest import EXAMPLES


def test_cached_build_reuses_and_rebuilds_when_a_source_changes(tmp_path):
    source = tmp_path / "routing.yaml"
    source.write_text("a: 1\n", encoding="utf-8")
    calls: list[int] = []

    def build() -> dict:
        calls.append(1)
        return {"value": source.read_text(encoding="utf-8")}

    first = cached_build("table", [source], build, folder=tmp_path / "cache")
    again = cached_build("table", [source], build, folder=tmp_path / "cache")
    assert first == again == {"value": "a: 1\n"} and len(calls) == 1
    source.write_text("a: 2\n", encoding="utf-8")
    assert cached_build("table", [source], build, folder=tmp_path / "cache") == {"value": "a: 2\n"}
    assert len(calls) == 2
    (tmp_path / "cache" / "table.pickle").write_bytes(b"not a pickle")
    assert cached_build("table", [source], build, folder=tmp_path / "cache") == {"value": "a: 2\n"}
    assert len(calls) == 3


def test_cached_build_without_a_writable_folder_still_builds(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("x", encoding="utf-8")
    assert cached_build("t", [blocked], lambda: 5, folder=blocked / "sub") == 5


def test_pack_yaml_is_read_from_the_cache_until_the_file_changes(tmp_path, monkeypatch):
    """The pack's YAML is parsed once and kept; an edit to the file is read at the next start."""
    monkeypatch.setattr("csuite.resources.cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr("csuite.resources.pack_root", lambda: tmp_path)
    page = tmp_path / "skill" / "knowledge.yaml"
    page.parent.mkdir()
    page.write_text("role: cro\ntopics: [a, b]\n", encoding="utf-8")
    assert load_yaml(page) == {"role": "cro", "topics": ["a", "b"]}
    assert (tmp_path / "cache" / "yaml.skill.knowledge.pickle").is_file()
    page.write_text("role: cco\n", encoding="utf-8")
    assert load_yaml(page) == {"role": "cco"}


def test_yaml_outside_the_pack_is_parsed_and_leaves_nothing_in_the_cache(tmp_path, monkeypatch):
    """A test's or a caller's own YAML file is not the pack's: no cache file is named after it."""
    monkeypatch.setattr("csuite.resources.cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr("csuite.resources.pack_root", lambda: tmp_path / "pack")
    page = tmp_path / "elsewhere" / "decisions.yaml"
    page.parent.mkdir()
    page.write_text("role: cro\n", encoding="utf-8")
    assert load_yaml(page) == {"role": "cro"}
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def _imported_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_help_and_route_do_not_import_every_command():
    modules = _imported_after("from csuite.cli import build_parser\nbuild_parser('')")
    assert not any(m.startswith("csuite.cli.") and m.endswith("_cmd") for m in modules)
    route = _imported_after("from csuite.cli import main\nmain(['route', 'will we make the quarter'])")
    assert "csuite.cli.route_cmd" in route
    assert not {"csuite.cli.ask_cmd", "csuite.cli.tools_cmd", "csuite.runner", "numpy", "jinja2"} & route


def test_a_warm_route_imports_neither_pydantic_nor_yaml():
    """Importing pydantic alone costs more than a bare interpreter start eight times over (issue 19):
    the route is a dataclass, the index and the learned model come from the disk cache."""
    code = "from csuite.cli import main\nmain(['route', '--json', 'How do I hire a CTO before the Series B?'])"
    _imported_after(code)  # builds the caches in this checkout if they are missing
    modules = _imported_after(code)
    assert "csuite.routing.router" in modules
    assert not {"pydantic", "pydantic_core", "yaml", "csuite.knowledge.bilingual"} & modules


def test_a_stale_cache_is_judged_by_its_key_alone(tmp_path, monkeypatch):
    """A stale file's value is never unpickled: doing so would import whatever classes it names."""
    source = tmp_path / "source.txt"
    source.write_text("one", encoding="utf-8")
    folder = tmp_path / "cache"
    cached_build("table", [source], lambda: {"v": 1}, folder=folder)
    stored = (folder / "table.pickle").read_bytes()
    key_end = len(pickle.dumps(pickle.loads(stored), protocol=pickle.HIGHEST_PROTOCOL))
    # The value is replaced by a pickle that imports a module which does not exist.
    poisoned = stored[:key_end] + b"cno_such_module_for_csuite\nThing\n."
    (folder / "table.pickle").write_bytes(poisoned)
    source.write_text("two", encoding="utf-8")
    tried: list[str] = []

    class Recorder:  # a finder that only notes which modules were asked for
        @staticmethod
        def find_spec(name, path=None, target=None):
            tried.append(name)

    monkeypatch.setattr(sys, "meta_path", [Recorder(), *sys.meta_path])
    assert cached_build("table", [source], lambda: {"v": 2}, folder=folder) == {"v": 2}
    assert "no_such_module_for_csuite" not in tried
    # and the check can fail: unpickling that value does ask for the module
    try:
        pickle.loads(poisoned[key_end:])
    except ModuleNotFoundError:
        pass
    assert "no_such_module_for_csuite" in tried


def test_file_detection_does_not_import_every_tool():
    modules = _imported_after("from csuite.evidence.plan import tool_facts\ntool_facts()\ntool_facts()")
    # the table comes from the disk cache after the first run in this checkout
    second = _imported_after("from csuite.evidence.plan import tool_facts\nassert tool_facts()['churn_analyzer']")
    assert "csuite.tools.revenue_forecast_model" not in second
    assert modules  # the first run may have built it


def test_reading_a_pipeline_imports_only_the_tool_that_reads_it():
    """Ranking the tools for a file needs each tool's aliases and file kinds, both from the cache:
    of the nine tools only the forecast, which reads the export, is imported."""
    code = ("from csuite.evidence.plan import detect_files\n"
            f"found = detect_files({str(EXAMPLES / 'pipeline.csv')!r})\n"
            "assert [f.tool for f, _ in found] == ['revenue_forecast_model'], found")
    _imported_after(code)  # builds the cache in this checkout if it is missing
    tools = {m for m in _imported_after(code) if m.startswith("csuite.tools.") and m.count(".") == 2}
    assert "csuite.tools.revenue_forecast_model" in tools
    assert not tools & {"csuite.tools.churn_analyzer", "csuite.tools.funnel_analyzer",
                        "csuite.tools.retention_decomposition_analyzer", "csuite.tools.cs_next_hire"}


def test_the_cached_tool_facts_are_the_file_kinds_each_tool_reads():
    """Written out by hand: the forecast and the funnel analyzer read the same opportunity export,
    so they rank as one kind; the retention tool reads three kinds of file."""
    from csuite.evidence.plan import tool_facts, tool_kinds

    assert tool_kinds("revenue_forecast_model") == tool_kinds("funnel_analyzer") == ("pipeline",)
    assert tool_kinds("retention_decomposition_analyzer") == (
        "retention_cohorts", "revenue_snapshots", "stripe_subscriptions")
    assert tool_kinds("churn_analyzer") == ("revenue_snapshots", "stripe_subscriptions")
    assert tool_kinds("sales_capacity_model") == ("capacity",) and tool_kinds("cs_next_hire") == ("cs_team",)
    assert "amount" in tool_facts()["revenue_forecast_model"]["aliases"]


class _Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_progress_line_only_on_a_terminal_and_erased_at_the_end():
    import threading

    from csuite.cli.progress import progress

    terminal, piped = _Terminal(True), _Terminal(False)
    shown = threading.Event()
    original = terminal.write

    def write(text: str) -> None:
        original(text)
        shown.set()

    terminal.write = write  # type: ignore[method-assign]
    with progress("tool.py", "pipeline.csv", after=0.0, stream=terminal):
        assert shown.wait(5)            # the line appears while the work runs
    with progress("tool.py", "pipeline.csv", after=0.0, stream=piped):
        pass
    assert "tool.py: working on pipeline.csv" in terminal.text and terminal.text.endswith("\r\033[K")
    assert piped.text == ""


def _content(value):
    """A value as plain data, compared by content (a Phrase compares by identity)."""
    if dataclasses.is_dataclass(value):
        return type(value).__name__, tuple(_content(getattr(value, f.name)) for f in dataclasses.fields(value)
                                           if f.compare)
    if isinstance(value, dict):
        return tuple((key, _content(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_content(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_content(item)) for item in value))
    return value


def _cached_index_rebuilds_when_a_source_changes(module, name: str, source: str, tmp_path, monkeypatch):
    """`module._index()` is read from the disk cache while its sources are unchanged, and rebuilt
    (to the same content as a fresh build) when one of them changes."""
    monkeypatch.setattr("csuite.resources.cache_dir", lambda: tmp_path / "cache")
    copy = tmp_path / "sources" / source
    copy.parent.mkdir()
    real = module.index_sources()
    assert any(path.name == source for path in real) and module.__file__ in {str(p) for p in real}
    copy.write_bytes(next(path for path in real if path.name == source).read_bytes())
    monkeypatch.setattr(module, "index_sources", lambda: [copy if p.name == source else p for p in real])
    built: list[int] = []
    build = module._build_index
    monkeypatch.setattr(module, "_build_index", lambda: built.append(1) or build())
    fresh = _content(build())
    try:
        for expected_builds in (1, 1):       # built once, then read from the cache
            module._index.cache_clear()
            assert _content(module._index()) == fresh and len(built) == expected_builds
        assert (tmp_path / "cache" / f"{name}.pickle").is_file()
        copy.write_bytes(copy.read_bytes() + b"\n# edited\n")
        module._index.cache_clear()
        assert _content(module._index()) == fresh and len(built) == 2
    finally:
        module._index.cache_clear()


def test_the_decision_classifier_index_is_cached_and_rebuilt_when_a_source_changes(tmp_path, monkeypatch):
    from csuite.understand import classify

    _cached_index_rebuilds_when_a_source_changes(classify, "classify_index", "understanding.yaml", tmp_path,
                                                 monkeypatch)
    names = {path.name for path in classify.index_sources()}
    assert {"decisions.yaml", "knowledge.yaml", "catalogue.py", "lexicon.py", "text.py"} <= names


def test_the_context_phrase_index_is_cached_and_rebuilt_when_a_source_changes(tmp_path, monkeypatch):
    from csuite.context import vocabulary

    _cached_index_rebuilds_when_a_source_changes(vocabulary, "context_vocabulary_index", "context.yaml", tmp_path,
                                                 monkeypatch)


def test_the_cached_indexes_hold_no_pydantic_models():
    """What is read from the disk cache at every start is cheap to unpickle: no pydantic models
    (unpickling one imports and validates through pydantic)."""
    from csuite.context import vocabulary
    from csuite.understand import classify

    for module in (classify, vocabulary):
        assert b"pydantic" not in pickle.dumps(module._build_index(), protocol=pickle.HIGHEST_PROTOCOL)
