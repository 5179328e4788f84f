"""MCP prompts (placeholder until prompts/ lands)."""
PROMPTS: list = []
