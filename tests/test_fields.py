"""The models' shared field defaults (csuite.fields): a list field's default is a new list for each
instance, and no model goes back to `default_factory=list`, whose signature pydantic parses on
every model build (issue 19)."""

from __future__ import annotations

import ast
from pathlib import Path

from pydantic import BaseModel, Field

import csuite
from csuite.fields import new_list


def test_new_list_gives_each_instance_its_own_list():
    class Holder(BaseModel):
        items: list[str] = Field(default_factory=new_list)

    first, second = Holder(), Holder()
    first.items.append("a")
    assert (first.items, second.items) == (["a"], [])
    assert Holder.model_json_schema()["properties"]["items"] == {"items": {"type": "string"},
                                                                   "title": "Items", "type": "array"}


def test_no_model_field_uses_the_builtin_list_as_its_factory():
    found = []
    for path in sorted(Path(csuite.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Field"
                    and any(k.arg == "default_factory" and isinstance(k.value, ast.Name) and k.value.id == "list"
                            for k in node.keywords)):
                found.append(f"{path.name}:{node.lineno}")
    assert not found, "use Field(default_factory=new_list): " + ", ".join(found)
