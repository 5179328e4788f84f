"""The callable tools. Each `csuite/tools/<name>.py` is a pure core (pydantic in, pydantic out,
no printing) that exposes `SPEC`; `registry.py` lists them without importing them."""
