"""What every tool provides, and the value types its options use.

A tool module defines an options model (its flags), a result model, a pure `run(source,
options)` and a `render(result)` to text, and bundles them in `SPEC`. The CLI, the scripts,
the runner, the MCP server and the tool schemas are all generated from that one spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Callable

from pydantic import BaseModel, BeforeValidator, ConfigDict

from csuite.errors import InputError
from csuite.io.values import parse_date, parse_money, parse_percent, parse_period
from csuite.resources import examples_dir
from csuite.roles import Role

Source = str | Path | list | dict | None


def _located(parser: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value is None or isinstance(value, (date,)) and parser is parse_date:
            return value
        try:
            return parser(value)
        except InputError as exc:
            raise ValueError(exc.message) from None
    return convert


# Option value types that accept what founders type on a command line.
Money = Annotated[float, BeforeValidator(_located(parse_money))]
Percent = Annotated[float, BeforeValidator(_located(parse_percent))]
Day = Annotated[date, BeforeValidator(_located(parse_date))]
PeriodLabel = Annotated[str, BeforeValidator(_located(lambda v: parse_period(v).label))]


class ToolOptions(BaseModel):
    """Base for tool options: unknown keys are refused so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ToolSpec:
    name: str
    summary: str
    role: Role
    input_help: str
    sample: str | None                      # path under examples/ used when no INPUT is given
    options: type[ToolOptions]
    result: type[BaseModel]
    run: Callable[[Source, Any], BaseModel]  # (data source, options) -> result; pure, no printing
    render: Callable[[BaseModel], str]
    data_kinds: tuple[str, ...] = ()        # file kinds (see csuite.io.detect) this tool reads
    plot: Callable[[BaseModel, Path], None] | None = None
    input_required: bool = True             # False for tools that can run on options alone
    extra: dict[str, Any] = field(default_factory=dict)


def sample_source(spec: ToolSpec, options: BaseModel) -> Path | None:
    """The bundled sample to run when the caller gave no input, or None.

    A tool that can run on options alone (input_required=False) uses them when the caller set
    any option besides the as-of date; only a bare call falls back to the sample, so a founder's
    flags are never mixed with the sample's numbers.
    """
    if spec.sample is None:
        return None
    if not spec.input_required and options.model_fields_set - {"as_of"}:
        return None

    return examples_dir() / spec.sample
