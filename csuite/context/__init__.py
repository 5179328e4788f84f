"""Stage 1 — the founder's company context.

Takes in: `company-context.md` (a path, or discovery from the working directory and home).
Gives out: a typed `CompanyContext` (metrics, trends, the line each came from, staleness),
the proactive `Alert`s its metrics raise, the `context check` report, and the founder's
decision log (recommendations approved, modified or rejected).
"""
