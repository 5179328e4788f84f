"""Privacy before any network call: names become stable pseudonyms; strict mode hides exact money.

The Claude backend sends the founder's context, evidence and tool results to an API. Names of
customers, people and investors are not needed to reason about revenue, so they are replaced
locally by pseudonyms ("Customer A", "Person B", "Investor A", "Name C") and restored in the
final answer, also locally. The mapping is built from everything the founder gave us, in three
passes:

1. the company context's labelled fields: a label that names customers, investors or people
   (largest customer, champion, lead investor, board, founder name, contact...) gives its
   proper-name-looking values that kind ("Castellan Freight Group", "Harbor Ventures");
2. data files: name, company, account, deal, owner, customer-name and email columns;
3. free text: every context field (label and value), the prose columns of the data files
   (notes, reasons, next steps...) and the question. A run of capitalised words ("Acme
   Robotics", "Bank of Lisbon") holding at least one word that is not an ordinary word is a
   name ("Name A" unless an organisation suffix says customer or investor), and so is any
   email address. Ordinary words are the pack's own prose vocabulary plus
   csuite/data/privacy.yaml; a capitalised ordinary word opening a sentence ("Renewal of ...")
   is not part of a name.

Pseudonyms are assigned in the order names are first seen (the passes in order; context before
files, files row by row, the question last), so the same context and files always give the same
pseudonyms and a cached system prompt stays byte-identical across questions.

Modes:
- `standard` (default): names masked.
- `strict`: names masked, and every exact money figure becomes a range one significant figure
  wide: the leading digit stays, the rest is hidden ("$4.2M" → "$4M–$5M", "$38,000" →
  "$30K–$40K", "$14M" → "$10M–$20M"). The model then cannot quote an exact figure; it writes
  `[[evidence_id]]` and csuite inserts the exact value locally.
- `off`: everything is sent as is.

Matching is word-bounded and longest-first ("Pembrook Foods" before "Pembrook"); multi-word
names match in any letter case, single-word names only as capitalised in the source, so a
customer called "Evergreen" does not swallow the "evergreen" of an evergreen clause. Evidence
ids embed names as slugs (`deals.Northwind_Freight.amount`), so each name's slug form maps to
the pseudonym's slug.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Literal

from csuite.evidence.collect import id_slug
from csuite.io.tables import canonical_key, read_table
from csuite.resources import load_data_yaml, pack_root

Mode = Literal["standard", "strict", "off"]
MODES: tuple[str, ...] = ("standard", "strict", "off")
Kind = Literal["customer", "person", "investor", "name", "email"]

_PREFIX = {"customer": "Customer", "person": "Person", "investor": "Investor", "name": "Name"}

# Context labels that name someone. Checked in this order: the first family that matches wins.
_LABEL_KINDS: list[tuple[Kind, re.Pattern[str]]] = [
    ("investor", re.compile(r"\b(investors?|lead investor|vcs?|backers?|funds?|angels?)\b", re.I)),
    ("person", re.compile(r"\b(founders?(?:'s)? name|name of the founder|ceo|cfo|coo|cto|champions?|contacts?|"
                          r"sponsors?|owners?|buyers?|decision makers?|person|people|reps?|csms?|managers?|"
                          r"advisors?|board members?|board|founded by|founders?)\b", re.I)),
    ("customer", re.compile(r"\b(customers?|clients?|accounts?|logos?|references?)\b", re.I)),
]
_ORG_SUFFIX = re.compile(r"\b(ventures?|capital|partners|fund|vc|holdings|group|inc|llc|ltd|labs|corp|co|"
                         r"gmbh|plc|sa|ag|bank|foods|freight|health|media|systems|technologies)\.?$", re.I)
_CONNECTORS = {"of", "and", "the", "de", "van", "von", "der", "da", "del", "la", "le", "&", "for", "y"}
# Capitalised words that are not anyone's name (stages, titles, periods, generic segments).
_STOP = {
    "series", "seed", "pre-seed", "ceo", "cfo", "coo", "cto", "cro", "cco", "vp", "svp", "evp", "head", "us", "usa",
    "uk", "eu", "none", "n/a", "na", "tbd", "unknown", "yes", "no", "true", "false", "enterprise", "mid-market",
    "smb", "startup", "strategic", "key", "core", "long tail", "q1", "q2", "q3", "q4", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "controller", "finance",
    "sales", "marketing", "product", "engineering", "it", "ops", "operations", "legal", "board", "founder",
    "founders", "customer", "customers", "account", "accounts", "investor", "investors", "saas", "b2b", "arr",
    "nrr", "grr", "icp", "acv", "self", "other", "others", "multiple", "several", "various", "we", "our",
}

# "Series A", "Tier 1", "Plan B": a label with a letter or number, not a name.
_LABELLED = re.compile(r"(?i)(?:series|round|tier|class|plan|phase|stage|option|type)\s+\w{1,2}")

# Data-file columns (canonical keys, see csuite.io.tables.canonical_key) that hold names.
_CUSTOMER_COLUMNS = {"name", "company", "company_name", "account", "account_name", "customer", "customer_name",
                     "client", "client_name", "associated_company", "organization", "organisation",
                     "organization_name", "org_name", "logo", "parent_account"}
_DEAL_COLUMNS = {"deal", "deal_name", "opportunity", "opportunity_name", "dealname"}
_PERSON_COLUMNS = {"owner", "deal_owner", "opportunity_owner", "account_owner", "csm", "rep", "ae", "sales_rep",
                   "contact", "contact_name", "champion", "csm_name", "rep_name", "owner_name", "assigned_to",
                   "hubspot_owner", "primary_contact"}
_ROLE_LABELS = {"ae", "aes", "sdr", "bdr", "csm", "am", "rep", "team", "queue", "unassigned", "pool", "inbound",
                "outbound", "partner", "channel", "house", "tbd", "vacant", "open"}
_DEAL_SPLIT = re.compile(r"\s+[-–—:|/]\s+")
_IDLIKE = re.compile(r"^[A-Za-z]{0,5}[-_]?\d[\w-]*$")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
_MAX_ROWS = 100_000
_MAX_LOOSE_CELLS = 20_000  # distinct free-text cells read for names
# Columns of prose (notes, reasons, next steps): pass 3 reads their cells for names. Categorical
# columns (stage, plan, segment) hold our vocabulary or the CRM's, not people or companies.
_FREE_TEXT_COLUMN = re.compile(r"note|comment|descr|summary|detail|reason|next_?step|remark|feedback|story|risk|why")
# Word-bounded, where '@' counts as a word character so a name never matches inside an email, and
# '_' does not, so a name inside an evidence id slug ("reasons.Switched_to_FloQast") is found.
_BOUNDED = r"(?<![^\W_])(?<!@)(?:{})(?![^\W_])(?!@)"

# Money as people write it: a currency sign, or a scale suffix (k/M/B) on a number.
_MONEY = re.compile(
    r"(?P<range>-?\$\d+(?:\.\d+)?[KMB]?–-?\$\d+(?:\.\d+)?[KMB]?)|"  # already a range: leave it
    r"(?<![\w.])(?P<cur>US\$|\$|USD\s?|€|£)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>mm|bn|[kKmMbB])(?![A-Za-z]))?")
_SCALES = {"k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}


# --------------------------------------------------------------------------- money ranges

def _short_money(value: float) -> str:
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= scale:
            return f"${value / scale:g}{suffix}"
    return f"${value:g}"


def money_range(value: float) -> str:
    """An exact amount → a range one significant figure wide: 4,200,000 → '$4M–$5M'."""
    if value is None or isinstance(value, bool) or not math.isfinite(float(value)):
        return "n/a"
    value = float(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == 0:
        return "$0"
    if value < 1:
        return f"{sign}under $1"
    step = 10 ** math.floor(math.log10(value))
    low = math.floor(value / step) * step
    if sign:  # a loss of 4.2M lies between -5M and -4M: low bound first
        return f"-{_short_money(low + step)}–-{_short_money(low)}"
    return f"{_short_money(low)}–{_short_money(low + step)}"


def mask_money_text(text: str) -> str:
    """Every money figure in `text` (with a currency sign or a k/M/B scale) → its range."""

    def replace(match: re.Match[str]) -> str:
        if match.group("range") or not match.group("cur") and not match.group("scale"):
            return match.group(0)
        value = float(match.group("num").replace(",", ""))
        value *= _SCALES.get((match.group("scale") or "").lower(), 1.0)
        return money_range(value)

    return _MONEY.sub(replace, text)


# --------------------------------------------------------------------------- names

def _letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: spreadsheet-style, so a pseudonym never runs out."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _token_ok(token: str) -> bool:
    return token.lower() in _CONNECTORS or (bool(token) and token[0].isupper())


def name_candidates(value: str) -> list[str]:
    """Proper-name-looking parts of a context value: 'Castellan Freight Group (VP Finance), Harbor
    Ventures' → ['Castellan Freight Group', 'Harbor Ventures'] ('VP Finance' is a title, not a name)."""
    out: list[str] = []
    pieces = re.split(r"[()\[\]]", value)
    for piece in pieces:
        for part in re.split(r"\s*(?:[,;/]|\band\b|\bwith\b|\s[–—-]\s)\s*", piece):
            part = part.strip(" .:'\"*")
            part = re.sub(r"^(?:our|the|a|an)\s+", "", part, flags=re.I)
            tokens = part.split()
            if not 1 <= len(tokens) <= 5 or any(ch.isdigit() for ch in part) or len(part) < 2:
                continue
            if not tokens[0][0].isupper() or not all(_token_ok(t) for t in tokens):
                continue
            if part.lower() in _STOP or all(t.lower() in _STOP or t.lower() in _CONNECTORS for t in tokens) \
                    or _LABELLED.fullmatch(part):
                continue
            out.append(part)
    return out


def label_kind(label: str) -> Kind | None:
    for kind, pattern in _LABEL_KINDS:
        if pattern.search(label):
            return kind
    return None


# --------------------------------------------------------------------------- names in free text

_PROSE_GLOBS = ("SKILL.md", "skills/*/SKILL.md", "skills/*/knowledge.yaml", "skills/*/references/*.md",
                "references/*.md", "prompts/*.j2")
_CONTEXT_TEMPLATE = "references/company-context-template.md"
_LOWER_WORD = re.compile(r"(?<![A-Za-z])[a-z][a-z]*(?:['-][a-z]+)*")
_WORD_TOKEN = re.compile(r"[^\W\d_][\w'’&-]*")
_EMAIL_IN_TEXT = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SENTENCE_BREAK = re.compile(r"[.!?;:\n\u3002\uff01\uff1f]")
_INVESTOR_SUFFIX = re.compile(r"ventures?|capital|partners|fund|vc", re.I)


@lru_cache(maxsize=1)
def ordinary_words() -> frozenset[str]:
    """Words that are not names when capitalised: every lowercase word of the pack's prose, every
    word of the context template (its field labels are ours: "Headquarters", "Founded"), the
    list in privacy.yaml, and the stop words and connectors above."""
    words = {str(w).lower() for w in load_data_yaml("privacy.yaml")["common_words"]}
    root = pack_root()
    for pattern in _PROSE_GLOBS:
        for path in root.glob(pattern):
            words.update(_LOWER_WORD.findall(path.read_text(encoding="utf-8")))
    template = root / _CONTEXT_TEMPLATE
    if template.is_file():
        words.update(_LOWER_WORD.findall(template.read_text(encoding="utf-8").lower()))
    return frozenset(words | _STOP | _CONNECTORS)


def _bare(match: re.Match[str]) -> tuple[str, int, int]:
    """A word without a possessive or stray punctuation ("Acme's" → "Acme"), with its span."""
    token = match.group(0)
    core = re.sub(r"['’]s$", "", token).rstrip("'’-&")
    lead = len(core) - len(core.lstrip("'’-&"))
    return core[lead:], match.start() + lead, match.start() + len(core)


# Words that join a multi-word name ("Bank of Lisbon", "Banco de Portugal"). "and" and "&" are left
# out: in free text they join lists far more often than names, and each side is checked alone.
_NAME_JOINERS = _CONNECTORS - {"and", "&", "y"}


def _is_ordinary(word: str, ordinary: frozenset[str]) -> bool:
    lowered = word.lower()
    return lowered in ordinary or ("-" in lowered and all(p in ordinary for p in lowered.split("-") if p))


def _trimmed(run: list[tuple[str, int, int]], opens: bool, ordinary: frozenset[str]) -> list[tuple[str, int, int]]:
    """A run of capitalised words as a name candidate: connectors off both ends, and ordinary
    words off the front when the run opens a sentence ("Renewal of Acme Robotics")."""
    words = list(run)
    if opens:
        while words and _is_ordinary(words[0][0], ordinary):
            words.pop(0)
    while words and words[0][0].lower() in _CONNECTORS:
        words.pop(0)
    while words and words[-1][0].lower() in _CONNECTORS:
        words.pop()
    return words


def free_text_names(text: str) -> list[str]:
    """Proper names in free text, in order of appearance, as written: runs of capitalised words
    (joined by "of", "de", "van"... inside) holding at least one word that is not an ordinary
    word; then every email address."""
    ordinary = ordinary_words()
    found: list[str] = []
    run: list[tuple[str, int, int]] = []
    run_opens = False

    def flush() -> None:
        words = _trimmed(run, run_opens, ordinary)
        run.clear()
        if not words or all(_is_ordinary(w, ordinary) for w, _, _ in words):
            return
        name = text[words[0][1]:words[-1][2]]
        if len(name) >= 2 and not _LABELLED.fullmatch(name) and name.lower() not in _STOP:
            found.append(name)

    end = 0
    for index, match in enumerate(_WORD_TOKEN.finditer(text)):
        gap = text[end:match.start()]
        end = match.end()
        opens = index == 0 or bool(_SENTENCE_BREAK.search(gap))
        if opens or gap.strip():
            flush()
        word, start, stop = _bare(match)
        if not word or any(c.isdigit() for c in word):
            flush()
        elif word[0].isupper():
            if not run:
                run_opens = opens
            run.append((word, start, stop))
        elif run and word.lower() in _NAME_JOINERS:
            run.append((word, start, stop))
        else:
            flush()
    flush()
    return list(dict.fromkeys(found)) + list(dict.fromkeys(_EMAIL_IN_TEXT.findall(text)))


def free_text_kind(name: str) -> Kind:
    if "@" in name:
        return "email"
    if _ORG_SUFFIX.search(name):
        return "investor" if _INVESTOR_SUFFIX.search(name) else "customer"
    return "name"


class Pseudonymizer:
    """Real names ↔ pseudonyms for one founder's context and files. Pure: no I/O except reading
    the data files handed to `add_file`."""

    def __init__(self, mode: Mode = "standard") -> None:
        if mode not in MODES:
            raise ValueError(f"privacy mode must be one of {', '.join(MODES)}")
        self.mode: Mode = mode
        self._forward: dict[str, str] = {}   # real (as first seen) → pseudonym
        self._lower: dict[str, str] = {}     # real lowercased → real as first seen
        self._counts: dict[str, int] = {}
        self._slugs: dict[str, str] = {}     # real slug → pseudonym slug
        self._skip: set[str] = set()         # never masked: the founder's own company
        self._loose: dict[str, None] = {}    # data-file text cells outside the name columns, for pass 3
        self._mask_re: re.Pattern[str] | None = None
        self._unmask_re: re.Pattern[str] | None = None

    # -- building --------------------------------------------------------------------------
    @classmethod
    def build(cls, ctx: Any = None, files: Iterable[str | Path] = (), mode: Mode = "standard",
              exclude: Iterable[str] = (), question: str | None = None) -> "Pseudonymizer":
        """From a CompanyContext, data file paths and the question (the three passes of the
        module docstring); `exclude` holds names never to mask (the founder's own company)."""
        pseudo = cls(mode)
        pseudo._skip = {e.strip().lower() for e in exclude if e and e.strip()}
        found = ctx is not None and getattr(ctx, "found", False)
        if found:
            company = getattr(ctx, "company_name", None)
            if company:
                pseudo._skip.add(company.strip().lower())
            pseudo.add_context(ctx)
        for path in files:
            pseudo.add_file(path)
        if found:
            for item in getattr(ctx, "fields", []):
                pseudo.add_free_text(item.label)
                pseudo.add_free_text(item.value)
        for text in pseudo._loose:
            pseudo.add_free_text(text)
        pseudo._loose.clear()
        if question:
            pseudo.add_free_text(question)
        return pseudo

    @property
    def active(self) -> bool:
        return self.mode != "off"

    @property
    def mapping(self) -> dict[str, str]:
        return dict(self._forward)

    def add(self, name: str, kind: Kind) -> str | None:
        """Register one real name; returns its pseudonym (None when it is not maskable)."""
        name = " ".join(str(name).split()).strip(" .,;:'\"")
        if len(name) < 2 or not any(c.isalpha() for c in name) or _IDLIKE.match(name) and kind != "email":
            return None
        key = name.lower()
        if key in _STOP or key in self._skip:
            return None
        if key in self._lower:
            return self._forward[self._lower[key]]
        # A pseudonym-shaped name would be unmasked wrongly: leave it alone.
        if re.fullmatch(r"(customer|person|investor|name) [A-Z]{1,3}", name, re.I):
            return None
        count = self._counts.get(kind, 0)
        self._counts[kind] = count + 1
        letters = _letters(count)
        pseudo = f"contact-{letters.lower()}@example.invalid" if kind == "email" else f"{_PREFIX[kind]} {letters}"
        self._forward[name] = pseudo
        self._lower[key] = name
        slug = id_slug(name)
        if kind != "email" and slug:
            self._slugs[slug] = id_slug(pseudo)
        self._mask_re = self._unmask_re = None
        return pseudo

    def add_context(self, ctx: Any) -> None:
        for item in getattr(ctx, "fields", []):
            kind = label_kind(item.label)
            if kind is None or kind == "email":
                continue
            for candidate in name_candidates(item.value):
                this = kind
                if _ORG_SUFFIX.search(candidate):
                    this = "investor" if kind in ("investor", "person") and re.search(
                        r"ventures?|capital|partners|fund|vc", candidate, re.I) else (
                        "customer" if kind != "investor" else "investor")
                self.add(candidate, this)

    def add_free_text(self, text: str) -> None:
        """Names written anywhere in `text` (pass 3): capitalised runs and email addresses."""
        if isinstance(text, str) and text.strip():
            for name in free_text_names(text):
                self.add(name, free_text_kind(name))

    def add_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        """Names from the name columns (pass 2); other text cells are kept for pass 3."""

        keys: dict[str, str] = {}
        for count, row in enumerate(rows):
            if count >= _MAX_ROWS:
                break
            for key, value in row.items():
                if not isinstance(value, str) or not value.strip():
                    continue
                column = keys.get(key) or keys.setdefault(key, canonical_key(str(key)))
                if "email" in column:
                    if _EMAIL.match(value.strip()):
                        self.add(value.strip(), "email")
                elif column in _DEAL_COLUMNS:
                    self.add(_DEAL_SPLIT.split(value.strip(), maxsplit=1)[0], "customer")
                elif column in _PERSON_COLUMNS or column.endswith("_owner"):
                    if value.split()[0].lower() not in _ROLE_LABELS:  # "AE Enterprise" is a seat, not a person
                        self.add(value, "person")
                elif column in _CUSTOMER_COLUMNS or column.endswith(("_company", "customer_name", "account_name")):
                    self.add(value, "customer")
                elif _FREE_TEXT_COLUMN.search(column) and len(self._loose) < _MAX_LOOSE_CELLS:
                    self._loose.setdefault(value)

    def add_file(self, path: str | Path) -> None:
        """Names from one data file; unreadable or non-tabular files add nothing (the runner
        reports bad files itself)."""

        try:
            table = read_table(path)
        except Exception:  # noqa: BLE001 - privacy never fails the answer; the tools report errors
            return
        self.add_rows(table.rows)

    # -- masking ---------------------------------------------------------------------------
    def _pattern(self, names: list[str], ignore_case_multiword: bool = True) -> re.Pattern[str] | None:
        if not names:
            return None
        parts = []
        for name in sorted(names, key=len, reverse=True):
            escaped = re.escape(name)
            if ignore_case_multiword and (" " in name or "@" in name or "_" in name):
                escaped = f"(?i:{escaped})"
            parts.append(escaped)
        return re.compile(_BOUNDED.format("|".join(parts)))

    def mask(self, text: str) -> str:
        """Real names → pseudonyms (and, in strict mode, money → ranges)."""
        if not self.active or not isinstance(text, str) or not text:
            return text
        if self._forward:
            if self._mask_re is None:
                self._mask_re = self._pattern(list(self._forward) + list(self._slugs))
                self._mask_lookup = {k.lower(): v for k, v in {**self._slugs, **self._forward}.items()}
            source = text

            def replace(match: re.Match[str]) -> str:
                pseudonym = self._mask_lookup[match.group(0).lower()]
                return id_slug(pseudonym) if _in_identifier(source, match.start(), match.end()) else pseudonym

            text = self._mask_re.sub(replace, text)
        if self.mode == "strict":
            text = mask_money_text(text)
        return text

    def unmask(self, text: str) -> str:
        """Pseudonyms → real names, in any letter case the model used."""
        if not self.active or not isinstance(text, str) or not self._forward:
            return text
        if self._unmask_re is None:
            back = {v: k for k, v in self._forward.items()}
            back.update({v: k for k, v in self._slugs.items()})
            self._unmask_lookup = {k.lower(): v for k, v in back.items()}
            parts = [f"(?i:{re.escape(p)})" for p in sorted(back, key=len, reverse=True)]
            self._unmask_re = re.compile(_BOUNDED.format("|".join(parts)))
        return self._unmask_re.sub(lambda m: self._unmask_lookup[m.group(0).lower()], text)

    def mask_data(self, value: Any) -> Any:
        """mask() over every string (keys included) of a JSON-like value."""
        return _walk(value, self.mask)

    def unmask_data(self, value: Any) -> Any:
        return _walk(value, self.unmask)

    def money(self, value: Any, unit: str) -> Any:
        """An evidence value as sent: in strict mode a dollar amount (or series) is a range."""
        if self.mode != "strict" or unit != "usd":
            return value
        if isinstance(value, list):
            return [money_range(v) if isinstance(v, (int, float)) else v for v in value]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return money_range(value)
        return self.mask(value) if isinstance(value, str) else value


def _in_identifier(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is one segment of an evidence id ("at_risk.Kestrel.arr",
    "reasons.Switched_to_FloQast"): its pseudonym must then be a slug too ("Customer_A"), or
    the id would hold a space and no longer be citable."""
    before, after = text[start - 1:start], text[end:end + 1]
    return "_" in (before, after) or (before == "." and after in (".", ""))


def _walk(value: Any, func: Any) -> Any:
    if isinstance(value, str):
        return func(value)
    if isinstance(value, dict):
        return {(func(k) if isinstance(k, str) else k): _walk(v, func) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(v, func) for v in value]
    return value
