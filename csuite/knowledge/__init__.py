"""What the advisors know, read from the pack's YAML: one source of truth for every stage.

Takes in: `csuite/data/*.yaml` and each role's `skills/<role>/knowledge.yaml` and references.
Gives out: typed role knowledge (topics, actions, decisions), thresholds and benchmarks, and
the reference sections a drafting prompt may include.
"""
