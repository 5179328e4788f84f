"""The MCP Skills extension (SEP-2640, `io.modelcontextprotocol/skills`): `skills/list` and
`skills/get` for the pack's skills, whose files the server already serves as `skill://` resources.

Each entry names the skill by the URI of its SKILL.md, carries that file's frontmatter as it is
served, and lists every file of the skill with its SHA-256 digest and size, so a host can verify
what it reads. Offered where the installed SDK has the extension API (mcp 2.x); with mcp 1.x the
`skill://` resources are still there, as ordinary resources.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from csuite.pack.bundle import Skill, file_bytes, pack_skills
from csuite.pack.check import split_frontmatter

IDENTIFIER = "io.modelcontextprotocol/skills"
TTL_MS = 300_000  # the pack's files change only with a new version of the package
INVALID_PARAMS = -32602


def skill_uri(skill: Skill, relative: str = "SKILL.md") -> str:
    return f"skill://{skill.name}/{relative}"


def skill_entry(skill: Skill) -> dict[str, Any]:
    """One `Skill` entry: uri, frontmatter (as JSON), and every file with digest and size."""
    frontmatter = split_frontmatter(file_bytes(skill, "SKILL.md").decode("utf-8")).frontmatter
    files = []
    for relative in skill.files:
        content = file_bytes(skill, relative)
        files.append({"uri": skill_uri(skill, relative), "digest": "sha256:" + hashlib.sha256(content).hexdigest(),
                      "size": len(content)})
    return {"uri": skill_uri(skill), "frontmatter": json.loads(json.dumps(frontmatter, default=str)),
            "resources": files}


def list_result() -> dict[str, Any]:
    return {"resultType": "complete", "skills": [skill_entry(s) for s in pack_skills()],
            "ttlMs": TTL_MS, "cacheScope": "public"}


def get_result(uri: str) -> dict[str, Any] | None:
    """The entry for the skill whose SKILL.md is at `uri`, or None when no skill lives there."""
    for skill in pack_skills():
        if skill_uri(skill) == uri:
            return {"resultType": "complete", "skill": skill_entry(skill), "ttlMs": TTL_MS, "cacheScope": "public"}
    return None


def extension() -> Any | None:
    """The extension object for `MCPServer(extensions=[...])`, or None on an SDK without the API."""
    try:
        from mcp.server.extension import Extension, MethodBinding
        from mcp.shared.exceptions import MCPError
        from mcp_types import PaginatedRequestParams, RequestParams
    except ImportError:
        return None

    class GetSkillParams(RequestParams):
        uri: str

    async def list_skills(ctx: Any, params: Any) -> dict[str, Any]:
        return list_result()

    async def get_skill(ctx: Any, params: GetSkillParams) -> dict[str, Any]:
        found = get_result(params.uri)
        if found is None:
            raise MCPError(code=INVALID_PARAMS, message=f"no skill at {params.uri} (skills/list names them)")
        return found

    class SkillsExtension(Extension):
        identifier = IDENTIFIER

        def methods(self) -> list[Any]:
            return [MethodBinding("skills/list", PaginatedRequestParams, list_skills),
                    MethodBinding("skills/get", GetSkillParams, get_skill)]

    return SkillsExtension()
