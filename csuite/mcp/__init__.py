"""The MCP server (`csuite mcp`, `python -m csuite.mcp`): every tool, `context_check`, `route`
and `ask` as MCP tools, role prompts and `skill://` resources.

Takes the registry tools, the runner and the pack; gives a stdio server. `server` builds it
(titles, read-only hints, short text plus structured results); `schemas` types the tools'
arguments so strict function-calling APIs accept them (and prints them in the OpenAI Responses
layout); `transport` answers malformed lines on stdio; `skills` adds the SEP-2640 skills listing;
`prompts` renders the role prompts.

This package is `csuite.mcp`, not the `mcp` SDK: everything here imports absolutely, so the SDK
is always the top-level `mcp` distribution.
"""
