"""The Claude backend: drafts, revises and critiques answers through the `anthropic` SDK.

Everything that decides what an answer may claim stays code, shared with the offline engine:
evidence, grounding, tags, rendering. Claude writes the prose and picks which evidence to cite.

- `client`: the SDK client, each call, retries and timeouts turned into `BackendUnavailable`,
  token usage per call;
- `messages`: what a call sends (structured-output tools, the data block, the rules) and how a
  response becomes an `Answer` (names unmasked, `[[evidence_id]]` filled with exact values);
- `tool_loop`: registry tools the model may call on the founder's files, run locally;
- `drafting`: `ClaudeBackend` itself: system prompt, draft, repair, revise, critique, routing.

Privacy: every byte sent goes through a `Pseudonymizer` (csuite.backends.privacy). Faults: after
the SDK's last retry a call raises `BackendUnavailable` and the runner returns the offline
answer with a 🔴 note.
"""

from csuite.backends.claude.client import (
           MessagesClient,
           settings,
           summarise,
           usage_table,
)
from csuite.backends.claude.drafting import ClaudeBackend, system_prompt
from csuite.backends.claude.messages import (
           DraftAnswer,
           data_message,
           select_evidence,
           tool_schema,
)

__all__ = ["ClaudeBackend", "DraftAnswer", "MessagesClient", "data_message", "select_evidence", "settings",
           "summarise", "system_prompt", "tool_schema", "usage_table"]
