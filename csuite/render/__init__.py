"""Stage 6 — rendering: a verified `Answer` as markdown or JSON, and every Jinja template
(answers and drafting prompts) through one sandboxed environment in `templates`.

Takes in: a verified `Answer` (or template variables). Gives out: text.
"""
