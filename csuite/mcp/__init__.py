"""The MCP server (`csuite mcp`, `python -m csuite.mcp`): every tool, `context_check`, `route`
and `ask` as MCP tools, role prompts and `skill://` resources (`server`, `prompts`).

This package is `csuite.mcp`, not the `mcp` SDK: everything here imports absolutely, so the SDK
is always the top-level `mcp` distribution.
"""
