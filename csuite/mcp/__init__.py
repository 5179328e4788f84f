"""`python -m csuite.mcp`: the MCP server on stdio (the code lives in csuite.mcp_server).

This package is `csuite.mcp`, not the `mcp` SDK: everything here imports absolutely, so the SDK
is always the top-level `mcp` distribution.
"""
