"""The Messages API client of the Claude backend: one SDK client, one call at a time, usage kept.

The SDK retries 429/5xx/529 and timeouts itself (`max_retries`); after the last attempt every
fault becomes `BackendUnavailable` with a short reason the founder can read, and the runner
returns the offline answer. The SDK is imported only when a call is about to be made (it takes
seconds to import).
"""

from __future__ import annotations

import os
from typing import Any

from csuite.answer import Usage
from csuite.backends.base import BackendUnavailable
from csuite.knowledge.thresholds import section

_USAGE_KEYS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def settings() -> dict[str, Any]:
    """The `claude` section of thresholds.yaml: models, token budgets, retries, evidence caps."""
    return section("claude")


class MessagesClient:
    """Makes Messages API calls for one backend and records the tokens of every answered call."""

    def __init__(self, *, max_retries: int, timeout: float, base_url: str | None = None,
                 client: Any = None) -> None:
        self.max_retries = max_retries
        self.timeout = timeout
        self.base_url = base_url
        self.usage = Usage()
        self._client = client

    def sdk(self) -> Any:
        """The `anthropic.Anthropic` client, made on first use from ANTHROPIC_API_KEY."""
        if self._client is None:
            key = os.environ.get("ANTHROPIC_API_KEY", "").strip()
            if not key:
                raise BackendUnavailable("ANTHROPIC_API_KEY is not set")
            import anthropic  # lazy: only the Claude path pays for the SDK import

            base_url = self.base_url or os.environ.get("ANTHROPIC_BASE_URL") or None
            try:
                self._client = anthropic.Anthropic(api_key=key, base_url=base_url, max_retries=self.max_retries,
                                                   timeout=self.timeout)
            except Exception as exc:  # noqa: BLE001 - credential/config problems become a fallback
                raise BackendUnavailable(f"could not start the Anthropic client: {type(exc).__name__}") from None
        return self._client

    def attempts(self, response: Any = None) -> int:
        """How many attempts the SDK made before giving up on `response` (all, unless the
        status is one it does not retry)."""
        if response is not None:
            flag = response.headers.get("x-should-retry")
            status = response.status_code
            retryable = flag == "true" or (flag != "false" and (status in (408, 409, 429) or status >= 500))
            if not retryable:
                return 1
        return self.max_retries + 1

    def call(self, purpose: str, model: str, max_tokens: int, messages: list[dict[str, Any]],
             tools: list[dict[str, Any]], tool_choice: dict[str, Any], system: Any = None) -> Any:
        """One `messages.create`; its usage is recorded under `purpose` (draft, repair, critic...)."""
        client = self.sdk()
        import anthropic

        kwargs: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": messages,
                                  "tools": tools, "tool_choice": tool_choice}
        if system is not None:
            kwargs["system"] = system
        try:
            response = client.messages.create(**kwargs)
        except anthropic.APITimeoutError:
            raise BackendUnavailable(f"timed out after {self.timeout:g} s ({_times(self.attempts())})") from None
        except anthropic.APIConnectionError:
            raise BackendUnavailable(f"could not connect ({_times(self.attempts())})") from None
        except anthropic.APIStatusError as exc:
            raise BackendUnavailable(f"{exc.status_code} {_status_words(exc)} after "
                                     f"{_times(self.attempts(exc.response))}") from None
        except anthropic.APIError as exc:
            raise BackendUnavailable(f"malformed response from the API ({type(exc).__name__})") from None
        except ValueError:
            raise BackendUnavailable("malformed response from the API (not JSON)") from None
        try:
            content, usage = response.content, response.usage
            record = {"purpose": purpose, "model": model,
                      "input_tokens": int(usage.input_tokens or 0), "output_tokens": int(usage.output_tokens or 0),
                      "cache_creation_input_tokens": int(getattr(usage, "cache_creation_input_tokens", 0) or 0),
                      "cache_read_input_tokens": int(getattr(usage, "cache_read_input_tokens", 0) or 0)}
            list(content)
        except (AttributeError, TypeError):
            raise BackendUnavailable("malformed response from the API (no message content)") from None
        self.usage = summarise(self.usage.calls + [record])
        return response

    def mark(self) -> int:
        """A bookmark in the call list: `since(mark)` is the usage of the calls made after it."""
        return len(self.usage.calls)

    def since(self, mark: int) -> Usage:
        return summarise(self.usage.calls[mark:])


def summarise(calls: list[dict[str, Any]]) -> Usage:
    return Usage(calls=list(calls), **{k: sum(int(c.get(k, 0)) for c in calls) for k in _USAGE_KEYS})


def usage_table(usage: Usage) -> str:
    """Tokens per call and totals, for `csuite ask --usage` (stderr)."""
    head = f"{'#':>2}  {'call':<18} {'model':<20} {'input':>8} {'output':>7} {'cache write':>11} {'cache read':>10}"
    lines = ["Claude usage (tokens)", head]
    for i, c in enumerate(usage.calls, start=1):
        lines.append(f"{i:>2}  {c.get('purpose', ''):<18} {c.get('model', ''):<20} {c['input_tokens']:>8,} "
                     f"{c['output_tokens']:>7,} {c['cache_creation_input_tokens']:>11,} "
                     f"{c['cache_read_input_tokens']:>10,}")
    lines.append(f"{'':>2}  {'total':<18} {'':<20} {usage.input_tokens:>8,} {usage.output_tokens:>7,} "
                 f"{usage.cache_creation_input_tokens:>11,} {usage.cache_read_input_tokens:>10,}")
    return "\n".join(lines)


def _times(n: int) -> str:
    return f"{n} attempt" + ("" if n == 1 else "s")


def _status_words(exc: Any) -> str:
    kind = (getattr(exc, "type", None) or "").replace("_error", "").replace("_", " ").strip()
    words = {"overloaded": "overloaded", "rate limit": "rate limited", "api": "server error",
             "authentication": "authentication failed (check ANTHROPIC_API_KEY)",
             "permission": "permission denied", "not found": "not found (check --model)",
             "invalid request": "invalid request"}.get(kind, kind or "error")
    return words
