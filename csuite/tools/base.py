"""What every tool provides, and the value types its options use.

A tool module defines an options model (its flags), a result model, a pure `run(source,
options)` and a `render(result)` to text, and bundles them in `SPEC`. The CLI, the scripts,
the runner, the MCP server and the tool schemas are all generated from that one spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Callable, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from csuite.errors import InputError
from csuite.io.access import FILE_ARGUMENT
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
# An option naming a second file (a stage map, a history, an accounts file): the MCP server, the
# Claude tool loop and the Python API confine it like the tool's own `path` (csuite.io.access).
FilePath = Annotated[str, FILE_ARGUMENT]


class Flag(BaseModel):
    """A condition a tool raises about the founder's data. One model for every tool, so the runner
    and the answer read every tool's flags the same way and none is dropped on the way."""

    id: str = Field(description="stable id, e.g. coverage_below_target or target_unreachable")
    severity: Literal["high", "medium", "low"]
    message: str = Field(description="one sentence in the tool's words, with the founder's numbers")
    value: float | None = Field(default=None, description="the measured value that raised the flag")
    threshold: float | None = Field(default=None, description="the line it crossed (our framework)")
    metric: str | None = Field(default=None, description="which metric the value measures")
    period: str | None = Field(default=None, description="the quarter or month the flag is about")
    items: list[str] = Field(default_factory=list, description="deals or accounts the flag names")
    source: str | None = Field(default=None, description="the input field or formula behind the value")


class ToolResult(BaseModel):
    """Base of every tool's result: flags (typed conditions) and warnings (notes about the input
    that the founder should see, such as rows skipped)."""

    flags: list[Flag] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


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
    result: type[ToolResult]
    run: Callable[[Source, Any], ToolResult]  # (data source, options) -> result; pure, no printing
    render: Callable[[BaseModel], str]
    data_kinds: tuple[str, ...] = ()        # file kinds this tool reads (csuite.evidence.plan recognises them)
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
