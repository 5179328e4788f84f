"""Stage 4 — drafting: a backend turns a `DraftRequest` into a draft `Answer`.

Takes in: a `DraftRequest` (question, role, context, alerts, tool runs, evidence).
Gives out: a draft `Answer` whose tags are only claims; `checks` decides them. Two backends
implement the one `Backend` protocol in `base`: `offline` (deterministic, no network) and
`claude` (the `anthropic` SDK, with `privacy` pseudonymising names before any call).
"""
