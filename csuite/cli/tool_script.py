"""One command-line front end for every tool, generated from its options model.

Used by `csuite tool NAME` and by the thin `scripts/NAME.py` files, so both accept the same
flags, print the same output and fail the same way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from csuite.cli.common import EXIT_OK, flushed, guarded, note, print_json, validation_message
from csuite.cli.progress import progress
from csuite.errors import UsageError
from csuite.io.bulk import collector_paused
from csuite.knowledge.bilingual import LANGS
from csuite.tools.base import ToolSpec, core_type, sample_source
from csuite.tools.texts import ToolTexts


def _add_option(parser: argparse.ArgumentParser, name: str, info: FieldInfo) -> None:
    flag = "--" + name.replace("_", "-")
    core = core_type(info.annotation)
    help_text = info.description or ""
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    if core is bool:
        if default:
            parser.add_argument("--no-" + name.replace("_", "-"), dest=name, action="store_false",
                                default=None, help=help_text.replace("%", "%%") + " (on by default)")
        else:
            parser.add_argument(flag, dest=name, action="store_true", default=None,
                                help=help_text.replace("%", "%%"))
        return
    kwargs: dict[str, Any] = {"dest": name, "default": None}
    if get_origin(core) is Literal:
        kwargs["choices"] = [str(c) for c in get_args(core)]
    elif get_origin(core) in (list, tuple):
        kwargs["nargs"] = "+"
    if default not in (None, [], ()):
        help_text = f"{help_text} (default: {default})".strip()
    if info.is_required():
        help_text += " (required)"
    if "choices" not in kwargs:
        kwargs["metavar"] = name.upper()
    # argparse %-formats help strings: a literal "60%" in a description would crash --help.
    parser.add_argument(flag, help=help_text.replace("%", "%%"), **kwargs)


def build_parser(spec: ToolSpec, prog: str) -> argparse.ArgumentParser:
    sample = f" Without INPUT it runs on the bundled sample examples/{spec.sample}." if spec.sample else ""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=f"{spec.summary}.{sample}",
        epilog="Exit codes: 0 ok, 2 bad input or usage (one line on stderr), 1 unexpected error.",
    )
    parser.add_argument("input", nargs="?", metavar="INPUT", help=spec.input_help.replace("%", "%%"))
    parser.add_argument("--json", action="store_true", help="print only JSON on stdout")
    parser.add_argument("--lang", choices=LANGS, default="en",
                        help="language of the text output: en or zh (Chinese); numbers, JSON keys and "
                             "--json output are the same in both (default: en)")
    if spec.plot is not None:
        parser.add_argument("--plot", metavar="PNG", help="also draw a chart to this PNG (needs the plots extra)")
        parser.add_argument("--force", action="store_true", help="overwrite an existing --plot file")
    for name, info in spec.options.model_fields.items():
        _add_option(parser, name, info)
        for old in legacy_names(name, info):
            # One name per concept across tools (--period, --window); the old spelling still works
            # for a release, hidden from --help.
            parser.add_argument("--" + old.replace("_", "-"), dest=name, default=None, help=argparse.SUPPRESS)
    return parser


def legacy_names(name: str, info: FieldInfo) -> list[str]:
    """Earlier names of an option (its validation AliasChoices beyond the field name)."""
    alias = info.validation_alias
    choices = getattr(alias, "choices", None) or []
    return [c for c in choices if isinstance(c, str) and c != name]


def options_from_args(spec: ToolSpec, args: argparse.Namespace) -> Any:
    values = {name: getattr(args, name) for name in spec.options.model_fields
              if getattr(args, name, None) is not None}
    try:
        return spec.options.model_validate(values)
    except ValidationError as exc:
        raise UsageError(validation_message(exc)) from None


def run_tool_cli(spec: ToolSpec, argv: list[str], prog: str) -> int:
    parser = build_parser(spec, prog)
    args = parser.parse_args(argv)

    def body() -> int:
        options = options_from_args(spec, args)
        source: Any = args.input
        if source is None:
            source = sample_source(spec, options)
            if source is not None:
                note(ToolTexts(spec.name, args.lang)("sample_note", prog=prog, path=Path("examples") / spec.sample))
            elif spec.input_required:
                raise UsageError("INPUT is required")
        label = Path(str(source)).name if isinstance(source, (str, Path)) else "inline rows"
        # A run builds its rows and result models in one go, with nothing cyclic among them.
        with progress(prog, label), collector_paused(keep=True):
            result = spec.run(source, options)
            if args.json:
                print_json(result)
            else:
                from csuite.io.display import display_safe_strings  # text output only: not on the --json path

                # Names and cells in the report are the founder's data: shown, never obeyed.
                sys.stdout.write(spec.render(display_safe_strings(result, one_line=False), args.lang).rstrip("\n") + "\n")
        plot_path = getattr(args, "plot", None)
        if plot_path:
            _draw(spec, result, Path(plot_path), force=args.force)
            note(f"{prog}: chart written to {plot_path}")
        return EXIT_OK

    return guarded(prog, body)


def _draw(spec: ToolSpec, result: Any, path: Path, *, force: bool) -> None:
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; pass --force to overwrite it")
    import importlib.util

    if importlib.util.find_spec("matplotlib") is None:
        raise UsageError("--plot needs matplotlib: pip install 'csuite-advisors[plots]'") from None
    assert spec.plot is not None
    spec.plot(result, path)


def script_main(name: str) -> None:
    """Entry point of `scripts/<name>.py`."""
    from csuite.tools.registry import get_tool

    prog = f"{name}.py"
    with collector_paused(keep=True):  # the tool's imports, as `csuite.cli.run_script` does the CLI's
        spec = get_tool(name)
    code = run_tool_cli(spec, sys.argv[1:], prog)
    raise SystemExit(flushed(code))
