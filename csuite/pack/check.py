"""Check an Agent Skill the way hosts and `agentskills validate` will, before a founder finds out.

One list of rules, shared by `csuite validate`, `csuite package` and the tests: frontmatter at
the very top holding only the six spec keys, a name that equals its folder, a description a host
will accept, a body short enough to load on activation, links that resolve (with matching case),
and no `$`+digit in SKILL.md bodies (Claude Code replaces `$1`, `$2`… with skill arguments, so
"$1M" would silently become "M").
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ALLOWED_KEYS = ("name", "description", "license", "compatibility", "metadata", "allowed-tools")
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_NAME = 64
MAX_DESCRIPTION = 1024
MAX_COMPATIBILITY = 500
MAX_BODY_LINES = 500
RESERVED_NAME_WORDS = ("anthropic", "claude")
DOLLAR_DIGIT = re.compile(r"\$\d")
# [text](target) and [label]: target — the link forms a host follows to load a reference.
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
_FENCED_CODE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class SkillDoc:
    """A parsed SKILL.md: frontmatter text and mapping, body, and where the body starts."""

    frontmatter_text: str
    frontmatter: dict[str, Any]
    body: str
    body_start_line: int


class FrontmatterError(ValueError):
    pass


def split_frontmatter(text: str) -> SkillDoc:
    """Split a SKILL.md into frontmatter and body, refusing what hosts refuse."""
    if text.startswith("\ufeff"):
        raise FrontmatterError("starts with a UTF-8 BOM; hosts then miss the frontmatter (save without BOM)")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        raise FrontmatterError("must start with a '---' line opening the YAML frontmatter")
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") == "---":
            fm_text = "".join(lines[1:index])
            body = "".join(lines[index + 1:])
            break
    else:
        raise FrontmatterError("frontmatter is not closed by a '---' line")
    try:
        data = yaml.safe_load(fm_text) if fm_text.strip() else {}
    except yaml.YAMLError as exc:
        raise FrontmatterError(f"frontmatter is not valid YAML: {exc}".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise FrontmatterError("frontmatter must be a YAML mapping of keys to values")
    return SkillDoc(fm_text, data, body, index + 2)


def _code_free(text: str) -> str:
    """Markdown with code blocks and spans blanked (kept line-for-line), so examples aren't links."""
    text = _FENCED_CODE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return _INLINE_CODE.sub("", text)


def relative_links(markdown: str) -> list[tuple[str, int]]:
    """Relative link targets in a markdown text with their 1-based line numbers.

    URLs, mail links and in-page anchors are not files and are skipped; a `#fragment` is dropped.
    """
    found: list[tuple[str, int]] = []
    plain = _code_free(markdown)
    for pattern in (_INLINE_LINK, _REF_LINK):
        for match in pattern.finditer(plain):
            target = match.group(1).split("#", 1)[0].split("?", 1)[0]
            if not target or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("/"):
                continue
            found.append((target, plain.count("\n", 0, match.start()) + 1))
    return sorted(set(found), key=lambda t: (t[1], t[0]))


def exists_with_case(root: Path, relative: str) -> bool:
    """True when the path exists with exactly this spelling (macOS would forgive the wrong case)."""
    current = root
    for part in Path(relative).parts:
        if part in (".", ""):
            continue
        if part == "..":
            current = current.parent
            continue
        try:
            entries = os.listdir(current)
        except OSError:
            return False
        if part not in entries:
            return False
        current = current / part
    return current.exists()


def check_frontmatter(data: dict[str, Any], *, file: str, folder_name: str | None) -> list[Problem]:
    problems: list[Problem] = []

    def bad(message: str) -> None:
        problems.append(Problem(file, message))

    unexpected = [k for k in data if k not in ALLOWED_KEYS]
    if unexpected:
        bad(f"unexpected frontmatter key(s) {', '.join(map(str, unexpected))}: only "
            f"{', '.join(ALLOWED_KEYS)} are allowed (put version/author under metadata)")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        bad("frontmatter needs a 'name' string")
    else:
        if len(name) > MAX_NAME:
            bad(f"name is {len(name)} characters; the limit is {MAX_NAME}")
        if not NAME_RE.match(name):
            bad(f"name '{name}' must be lowercase letters, digits and single hyphens, "
                "not starting or ending with a hyphen")
        if folder_name is not None and name != folder_name:
            bad(f"name '{name}' must equal its folder name '{folder_name}'")
        for word in RESERVED_NAME_WORDS:
            if word in name:
                bad(f"name '{name}' contains the reserved word '{word}'")
    desc = data.get("description")
    if not isinstance(desc, str) or not desc.strip():
        bad("frontmatter needs a non-empty 'description' string")
    else:
        if len(desc) > MAX_DESCRIPTION:
            bad(f"description is {len(desc)} characters; the limit is {MAX_DESCRIPTION}")
        if "<" in desc or ">" in desc:
            bad("description must not contain '<' or '>' (hosts reject XML-like tags)")
    if "license" in data and not isinstance(data["license"], str):
        bad("license must be a string")
    if "compatibility" in data:
        comp = data["compatibility"]
        if not isinstance(comp, str) or not comp.strip():
            bad("compatibility must be a non-empty string")
        elif len(comp) > MAX_COMPATIBILITY:
            bad(f"compatibility is {len(comp)} characters; the limit is {MAX_COMPATIBILITY}")
    if "metadata" in data:
        meta = data["metadata"]
        if not isinstance(meta, dict):
            bad("metadata must be a map of string keys to string values")
        else:
            for key, value in meta.items():
                if not isinstance(key, str) or not isinstance(value, str):
                    bad(f"metadata '{key}' must be a string (quote it: \"{value}\")")
    if "allowed-tools" in data and not isinstance(data["allowed-tools"], (str, list)):
        bad("allowed-tools must be a space-separated string")
    return problems


def check_frontmatter_text(fm_text: str, *, file: str) -> list[Problem]:
    """Rules of the strict YAML reader skills-ref uses, which PyYAML would let through."""
    problems = []
    for offset, line in enumerate(fm_text.splitlines(), start=2):
        if "---" in line:
            problems.append(Problem(file, "'---' inside the frontmatter ends it early in strict readers", offset))
        m = re.match(r"^\s*[A-Za-z0-9_-]+:\s*([\[{])", line)
        if m:
            problems.append(Problem(file, "flow-style YAML ([...] or {...}) is rejected by skills-ref; "
                                    "use block style", offset))
    return problems


def check_body(doc: SkillDoc, *, file: str, folder: Path) -> list[Problem]:
    problems = []
    body_lines = doc.body.splitlines()
    if len(body_lines) > MAX_BODY_LINES:
        problems.append(Problem(file, f"body is {len(body_lines)} lines; keep it under {MAX_BODY_LINES} "
                                "and move depth into references/"))
    for number, line in enumerate(body_lines, start=doc.body_start_line):
        if DOLLAR_DIGIT.search(line):
            problems.append(Problem(file, "'$' followed by a digit is replaced by a skill argument in "
                                    "Claude Code; write 'USD 1M' instead of '$1M'", number))
    for target, line in relative_links(doc.body):
        if not exists_with_case(folder, target):
            problems.append(Problem(file, f"link target '{target}' does not exist (paths are relative "
                                    "to the skill folder; case must match)", line + doc.body_start_line - 1))
    return problems


def check_skill(folder: str | Path, *, expected_name: str | None = None,
                check_folder_name: bool = True) -> list[Problem]:
    """Every problem with the skill in `folder` ([] when it is valid).

    `check_folder_name=False` is for the pack's root SKILL.md, whose checkout folder may have any
    name; `csuite package` and `csuite install` give it a folder named after the skill.
    """
    folder = Path(folder)
    if folder.is_file() and folder.name == "SKILL.md":
        folder = folder.parent
    skill_md = folder / "SKILL.md"
    file = str(skill_md)
    if not skill_md.is_file():
        return [Problem(file, "SKILL.md not found")]
    try:
        text = skill_md.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [Problem(file, "SKILL.md is not UTF-8 text")]
    try:
        doc = split_frontmatter(text)
    except FrontmatterError as exc:
        return [Problem(file, str(exc))]
    folder_name = folder.resolve().name if check_folder_name else None
    problems = check_frontmatter_text(doc.frontmatter_text, file=file)
    problems += check_frontmatter(doc.frontmatter, file=file, folder_name=folder_name)
    if expected_name is not None and doc.frontmatter.get("name") != expected_name:
        problems.append(Problem(file, f"name must be '{expected_name}'"))
    problems += check_body(doc, file=file, folder=folder)
    return problems
