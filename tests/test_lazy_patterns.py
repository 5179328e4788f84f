"""Module-level regexes compiled on first use (`csuite.io.text.LazyPattern`, issue 19): they match
what `re.compile` of the same text matches, every one of them compiles (a typo would otherwise
wait for the first run that reaches it), and importing the ask path compiles none of them."""

from __future__ import annotations

import copy
import importlib
import pickle
import pkgutil
import re
import subprocess
import sys

import csuite
from csuite.io.text import LazyPattern


def _lazy_patterns() -> dict[str, LazyPattern]:
    found = {}
    for info in pkgutil.walk_packages(csuite.__path__, "csuite."):
        if info.name.endswith("__main__"):  # runs the CLI
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra (mcp) that is not installed
            continue
        for name, value in vars(module).items():
            if isinstance(value, LazyPattern):
                found[f"{info.name}.{name}"] = value
    return found


def test_a_lazy_pattern_reads_like_the_compiled_one():
    text, flags = r"(?P<amount>\d+)\s*(k|m)\b", re.I
    lazy, compiled = LazyPattern(text, flags), re.compile(text, flags)
    assert "compiled" not in vars(lazy)
    sample = "hire 4 AEs at 120k, then 2M by Q4; 7 x"
    assert lazy.search(sample).group("amount") == compiled.search(sample).group("amount") == "120"
    assert [m.span() for m in lazy.finditer(sample)] == [m.span() for m in compiled.finditer(sample)]
    assert lazy.sub(r"<\1>", sample) == compiled.sub(r"<\1>", sample)
    assert lazy.split(sample) == compiled.split(sample)
    assert lazy.fullmatch("12K") is not None and lazy.match("x") is None
    assert (lazy.pattern, lazy.flags, lazy.groupindex) == (compiled.pattern, compiled.flags, compiled.groupindex)
    assert lazy.compiled is compiled  # re's own cache: the same pattern object
    assert copy.deepcopy(lazy).findall(sample) == compiled.findall(sample)
    assert pickle.loads(pickle.dumps(lazy)).sub("", sample) == compiled.sub("", sample)


def test_every_lazy_pattern_in_the_package_compiles_as_written():
    patterns = _lazy_patterns()
    assert len(patterns) >= 30
    for where, lazy in patterns.items():
        source, flags = lazy._source
        assert lazy.compiled.pattern == source, where
        assert lazy.compiled.flags == re.compile(source, flags).flags, where


def test_importing_the_ask_path_compiles_no_lazy_pattern():
    # A fresh interpreter: this one has run other tests that used the patterns.
    code = (
        "import sys\n"
        "import csuite.cli.ask_cmd, csuite.runner, csuite.render.answer, csuite.io.display\n"
        "from csuite.io.text import LazyPattern\n"
        "lazy = [(m.__name__, k) for m in list(sys.modules.values()) if (m.__name__ or '').startswith('csuite')\n"
        "        for k, v in vars(m).items() if isinstance(v, LazyPattern)]\n"
        "compiled = [f'{m}.{k}' for m, k in lazy if 'compiled' in vars(vars(sys.modules[m])[k])]\n"
        "print(len(lazy), compiled)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, compiled = result.stdout.split(" ", 1)
    assert int(count) >= 20 and compiled.strip() == "[]", result.stdout
