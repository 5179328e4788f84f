"""What every tool provides, and the value types its options use.

A tool module defines an options model (its flags), a result model, a pure `run(source,
options)` and a `render(result, lang)` to text (English or Chinese, its words in
csuite/data/tool_texts.yaml), and bundles them in `SPEC`. The CLI, the scripts,
the runner, the MCP server and the tool schemas are all generated from that one spec.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.fields import FieldInfo

from csuite.errors import InputError
from csuite.fields import new_list
from csuite.io.access import FILE_ARGUMENT
from csuite.io.numbers import Unit
from csuite.io.values import parse_date, parse_money, parse_percent, parse_period
from csuite.knowledge.bilingual import Lang
from csuite.resources import examples_dir
from csuite.roles import Role

Source = str | Path | list | dict | None


def _located(parser: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value is None:
            return value
        try:
            return parser(value)
        except InputError as exc:
            raise ValueError(exc.message) from None
    return convert


@dataclass(frozen=True)
class UnitTag:
    """What a number in a tool result measures. Evidence reads it (csuite.evidence.collect), so
    a share is cited as a share and money as money, never guessed from a field's name."""

    unit: Unit


# Result value types: the number and its unit, one name per kind of quantity.
Amount = Annotated[float, UnitTag("usd")]          # money, in the file's currency (see `currency`)
Share = Annotated[float, UnitTag("fraction")]      # a part of a whole or a rate: 0.25 is 25%
Ratio = Annotated[float, UnitTag("ratio")]         # a multiple: 3.1 is 3.1x
Count = Annotated[int, UnitTag("count")]           # whole things: deals, accounts, people
Quantity = Annotated[float, UnitTag("count")]      # an expected or averaged count (68.4 opportunities)
Headcount = Annotated[float, UnitTag("count")]     # people, possibly fractional (2.4 FTE)
Months = Annotated[float, UnitTag("months")]
MonthCount = Annotated[int, UnitTag("months")]     # whole months: a window, a month index
Days = Annotated[int, UnitTag("days")]
DaysFloat = Annotated[float, UnitTag("days")]
Score = Annotated[float, UnitTag("count")]         # points on a scale (health 0–100, fit 0–10)

# Option value types that accept what founders type on a command line.
Money = Annotated[float, BeforeValidator(_located(parse_money)), UnitTag("usd")]
Percent = Annotated[float, BeforeValidator(_located(parse_percent)), UnitTag("fraction")]
Day = Annotated[date, BeforeValidator(_located(parse_date))]
PeriodLabel = Annotated[str, BeforeValidator(_located(lambda v: parse_period(v).label))]
# An option naming a second file (a stage map, a history, an accounts file): the MCP server, the
# Claude tool loop and the Python API confine it like the tool's own `path` (csuite.io.access).
FilePath = Annotated[str, FILE_ARGUMENT]


def unit_of(annotation: Any, metadata: list[Any] | tuple[Any, ...] = ()) -> Unit | None:
    """The UnitTag on a field (its metadata) or inside its annotation, looking through Optional,
    Annotated, list[...] and dict[str, ...]; None for an untyped number."""
    for item in metadata:
        if isinstance(item, UnitTag):
            return item.unit
    origin = get_origin(annotation)
    if origin is Annotated:
        args = get_args(annotation)
        return unit_of(args[0], args[1:])
    if origin in (typing.Union, types.UnionType, list, tuple):
        for arg in get_args(annotation):
            if arg is not type(None):
                found = unit_of(arg)
                if found:
                    return found
    if origin is dict:
        return unit_of(get_args(annotation)[1])
    return None


def core_type(annotation: Any) -> Any:
    """`annotation` without Annotated and Optional: the type a value has (float, a model class,
    list[...], dict[...]). The tool CLI picks an argparse action by it; evidence walks results by it."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def field_unit(info: FieldInfo) -> Unit | None:
    return unit_of(info.annotation, info.metadata)


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
    items: list[str] = Field(default_factory=new_list, description="deals or accounts the flag names")
    source: str | None = Field(default=None, description="the input field or formula behind the value")
    unit: Unit | None = Field(default=None, description="unit of value and threshold (usd, fraction, ratio, "
                              "count, months, days)")


class ToolResult(BaseModel):
    """Base of every tool's result: flags (typed conditions) and warnings (notes about the input
    that the founder should see, such as rows skipped)."""

    flags: list[Flag] = Field(default_factory=new_list)
    warnings: list[str] = Field(default_factory=new_list)
    currency: str = Field(default="USD", description="currency of every Amount in the result (the input's, "
                          "never converted)")


Model = TypeVar("Model", bound=BaseModel)


def prebuilt(model: type[Model]) -> Callable[[dict[str, Any]], Model]:
    """A maker of `model` instances from a dict holding every field, each value already of the
    field's exact type (a float for a float field, never an int): the instance `model_validate`
    would build, without checking the values again. For results computed by code from input
    that was checked when read, by the hundred thousand (retention cohorts), where validation
    costs more than the computation; tests compare each use with validation, type by type.

    The dict becomes the instance's `__dict__` (do not reuse it). Every instance shares one
    fields-set, which no operation changes because every field is set; a per-instance copy is
    2 KB for a twenty-field model. Refused for models whose construction does more than store
    the fields: validators, post-init, private attributes, extra fields, root models."""
    decorators = model.__pydantic_decorators__
    if (model.__pydantic_root_model__ or model.__pydantic_post_init__ or model.__private_attributes__
            or model.model_config.get("extra") == "allow" or decorators.validators
            or decorators.field_validators or decorators.root_validators or decorators.model_validators):
        raise TypeError(f"{model.__name__} does more than store its fields; validate it instead")
    fields_set = set(model.model_fields)
    new, store = model.__new__, object.__setattr__

    def build(values: dict[str, Any]) -> Model:
        instance = new(model)
        store(instance, "__dict__", values)
        store(instance, "__pydantic_fields_set__", fields_set)
        store(instance, "__pydantic_extra__", None)
        store(instance, "__pydantic_private__", None)
        return instance
    return build


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
    render: Callable[[Any, Lang], str]     # (result, "en" | "zh") -> text; numbers identical in both
    data_kinds: tuple[str, ...] = ()        # file kinds this tool reads (csuite.evidence.plan recognises them)
    plot: Callable[[BaseModel, Path], None] | None = None
    input_required: bool = True             # False for tools that can run on options alone
    reads_accounts_file: bool = False       # its `accounts` option is the founder's accounts companion file
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
