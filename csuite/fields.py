"""Defaults shared by the pydantic models of every stage.

A list field defaults to `Field(default_factory=new_list)`, not `default_factory=list`. Building a
model, pydantic asks whether each default factory takes the validated data, with
`inspect.signature`; for the builtin `list` that means parsing the type's text signature, about
0.1 ms a field. Models are built when their module is imported, and the eighty-odd list fields on
the path of an offline `csuite ask` cost 9 ms of its start-up that way (issue 19); a plain function
is read in microseconds. The default is the same: a new empty list for each instance.
"""

from __future__ import annotations

from typing import Any


def new_list() -> list[Any]:
    """A new empty list, the default of a list field."""
    return []
