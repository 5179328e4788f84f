"""Backends that draft (and critique) answers: `offline` (default, no network) and `claude`.

A backend only drafts; verification, tags and rendering are shared code.
"""
