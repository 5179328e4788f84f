#!/usr/bin/env python3
"""Claude backend budget, measured against the fake Messages API (tests/fake_anthropic.py):
model calls per answer (low vs high stakes, with and without a revision) and the size of the
system prompt for one role-topic against "everything" (all SKILL.md files + all references),
which must be ≤ 40%. Plain script; prints figures. No network."""

from __future__ import annotations

import json
import os
import statistics
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_anthropic import (  # noqa: E402
    FakeAnthropic,
    answer_payload,
    auto_reply,
    forced_tool,
    message,
    tool_use,
)

DAY = date(2026, 11, 23)
CONTEXT = ROOT / "examples" / "company-context.md"
PIPELINE = ROOT / "examples" / "pipeline.csv"
LOW = "Will we make the Q4 number?"
LOW_2 = "Is our pipeline coverage enough to hit the Q4 forecast?"
HIGH = "Should we raise prices by 20% next quarter?"
ROUTED_HIGH = "Should we offer an exclusive tier to our partners?"  # router margin 0.002 + a commitment
TWO_ROLES = "Should we move upmarket with a new tier?"  # CRO consults CCO; a strategy change


def calls_per_answer(fake: FakeAnthropic, question: str, planted: bool) -> tuple[int, list[str]]:
    from csuite.backends.claude import ClaudeBackend
    from csuite.runner import Advisor

    fake.requests.clear()
    # With `planted`, the first draft carries a number no evidence backs: verification fails and
    # the runner asks for one revision. Route and critic calls get the fake's normal replies.
    state = {"plant": planted}

    def reply(body: dict) -> dict:
        if state["plant"] and forced_tool(body) not in ("route", "submit_review"):
            state["plant"] = False
            return message(tool_use("submit_answer", answer_payload(text="ARR is $9.9M", cite="ctx.arr")))
        return auto_reply(body)

    fake.default = reply
    answer = Advisor(context=CONTEXT, as_of=DAY, backend=ClaudeBackend()).ask(question, data=[PIPELINE])
    purposes = [c["purpose"] for c in answer.usage.calls] if answer.usage else []
    return len(fake.messages), purposes


def pair_max() -> tuple[str, int]:
    """The largest system prompt for a two-topic route (the planner keeps at most two topics)."""
    from itertools import combinations

    from csuite.backends.claude import system_prompt
    from csuite.backends.privacy import Pseudonymizer
    from csuite.context.parse import load_context
    from csuite.knowledge.models import load_knowledge

    ctx = load_context(CONTEXT, as_of=DAY)
    pseudo = Pseudonymizer.build(ctx, [PIPELINE])
    best = ("", 0)
    for role in ("cro", "cco"):
        ids = [t.id for t in load_knowledge(role).topics]  # type: ignore[arg-type]
        for pair in combinations(ids, 2):
            size = len(system_prompt(role, list(pair), ctx, pseudo))
            if size > best[1]:
                best = (f"{role}/{'+'.join(pair)}", size)
    return best


def system_sizes() -> list[tuple[str, str, int]]:
    from csuite.backends.claude import system_prompt
    from csuite.backends.privacy import Pseudonymizer
    from csuite.context.parse import load_context
    from csuite.knowledge.models import load_knowledge

    ctx = load_context(CONTEXT, as_of=DAY)
    pseudo = Pseudonymizer.build(ctx, [PIPELINE])
    out = []
    for role in ("cro", "cco"):
        for topic in load_knowledge(role).topics:  # type: ignore[arg-type]
            out.append((role, topic.id, len(system_prompt(role, [topic.id], ctx, pseudo))))
    return out


def main() -> None:
    for key in [k for k in os.environ if k.startswith("ANTHROPIC_")]:
        del os.environ[key]
    from csuite.knowledge.references import everything_chars
    from csuite.render.templates import context_view, role_system_prompt

    with FakeAnthropic() as fake:
        os.environ["ANTHROPIC_API_KEY"] = "bench"
        os.environ["ANTHROPIC_BASE_URL"] = fake.url
        print("Model calls per answer (budget: ≤ 2 low stakes, ≤ 4 high stakes)")
        for label, question, planted in (("low stakes, clean draft", LOW, False),
                                         ("low stakes, one revision", LOW, True),
                                         ("high stakes, clean draft", HIGH, False),
                                         ("high stakes, one revision", HIGH, True),
                                         ("high stakes, low-margin route, revision", ROUTED_HIGH, True),
                                         ("two roles, high stakes, clean drafts", TWO_ROLES, False)):
            count, purposes = calls_per_answer(fake, question, planted)
            print(f"  {label:<42} {count} calls  ({', '.join(purposes)})")

        fake.requests.clear()
        from csuite.backends.claude import ClaudeBackend
        from csuite.runner import Advisor

        advisor = Advisor(context=CONTEXT, as_of=DAY, backend=ClaudeBackend())
        advisor.ask(LOW, data=[PIPELINE])
        advisor.ask(LOW_2, data=[PIPELINE])
        first, second = [b for b in fake.bodies() if forced_tool(b) not in ("route", "submit_review")][:2]
        same = first["system"] == second["system"] and first["tools"] == second["tools"]
        print(f"\nSystem prefix identical across two questions on cro/pipeline_forecasting: {same} "
              f"(cache_control: {first['system'][0].get('cache_control')})")
        print(f"Draft request parts (chars): system {len(first['system'][0]['text']):,}, "
              f"tools {len(json.dumps(first['tools'])):,}, data block {len(first['messages'][0]['content']):,}")

    everything = everything_chars()
    sizes = system_sizes()
    shares = [size / everything for _, _, size in sizes]
    print(f"\n'Everything' (all SKILL.md + all references): {everything:,} chars; budget 40% = {0.4 * everything:,.0f}")
    print("System prompt per role-topic (trimmed role prompt + selected reference sections + context):")
    for (role, topic, size), share in zip(sizes, shares):
        print(f"  {role}/{topic:<30} {size:7,} chars  {share:6.1%}")
    print(f"  min {min(shares):.1%}  median {statistics.median(shares):.1%}  max {max(shares):.1%}  "
          f"→ {'within' if max(shares) <= 0.4 else 'OVER'} budget")
    name, size = pair_max()
    print(f"  largest two-topic prompt: {name} {size:,} chars ({size / everything:.1%})")
    from csuite.context.parse import load_context

    view = context_view(load_context(CONTEXT, as_of=DAY))
    for role in ("cro", "cco"):
        full = len(role_system_prompt(role, view))
        print(f"  for comparison, the untrimmed {role} prompt (all topics, no references): {full:,} chars "
              f"({full / everything:.1%})")


if __name__ == "__main__":
    main()
