"""Bytes of a founder file → text: byte-order marks, UTF-8, UTF-16, and the legacy code pages
spreadsheets still save (Windows-1252 from Excel on Windows, GB18030 from Excel in Chinese).

UTF-8 is tried first and strictly, because it is by far the most common and a valid UTF-8 file
is almost never anything else. A legacy code page is always named in a warning, since a wrong
one misreads names (never numbers: digits and separators are ASCII in every code page here).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csuite.errors import InputError

# Workbooks are zip (xlsx, xlsm) or OLE2 (xls) containers; they are read by csuite.io.workbook.
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_NAMES = {"cp1252": "Windows-1252 (Western European)", "gb18030": "GB18030 (Chinese)",
          "utf-16": "UTF-16 without a byte-order mark"}


@dataclass(frozen=True)
class Decoded:
    text: str              # line endings normalised to "\n", BOM removed
    encoding: str          # codec name, e.g. "utf-8" or "cp1252"
    guessed: bool = False  # True when a detector chose the encoding (say so to the founder)

    @property
    def note(self) -> str | None:
        if not self.guessed:
            return None
        name = _NAMES.get(self.encoding, self.encoding)
        return (f"read as {name} text (not UTF-8); if names look wrong, save the file as "
                "CSV UTF-8 and run again")


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes (only the first `limit` of them when given)."""
    try:
        if limit is None:
            return path.read_bytes()
        with path.open("rb") as handle:
            return handle.read(limit)
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=path) from None
    except PermissionError:
        raise InputError("cannot be read (permission denied)", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", file=path) from None


def is_workbook(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC) or data.startswith(OLE2_MAGIC)


def ascii_head(data: bytes, lines: int) -> str | None:
    """The whole lines in `data` (a file's first bytes) as text, when they are plain ASCII and more
    than `lines` of them: exactly how the whole file's decoded text starts, whatever encoding the
    rest of it turns out to be in (every encoding read here keeps ASCII as it is). None otherwise."""
    head = data[:data.rfind(b"\n") + 1]
    if head.count(b"\n") <= lines or not head.isascii() or b"\x00" in head or not head.strip():
        return None
    return _normalise(head.decode("ascii"))


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark: ASCII text has a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros > 0.4 * half and min(even, odd) < 0.05 * half:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def decode(data: bytes, file: str | Path, *, detect: bool = True) -> Decoded:
    """Decode a founder file or raise one `InputError` saying what it is instead.

    `detect=False` (documents a founder writes by hand: the context file, logs) accepts only
    UTF-8 and UTF-16, since a guessed code page there would go unremarked."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return Decoded(_normalise(data[3:].decode("utf-8")), "utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"starts with a UTF-8 byte-order mark but is not valid UTF-8 (byte {exc.start + 3})",
                             file=file) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Decoded(_normalise(data.decode("utf-16")), "utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"starts with a UTF-16 byte-order mark but is not valid UTF-16 (byte {exc.start})",
                             file=file) from None
    if is_workbook(data):
        raise InputError("is an Excel workbook, not text", file=file)
    # NUL bytes are valid UTF-8, so UTF-16 without a mark is recognised before UTF-8 is tried.
    text = _utf16_without_bom(data) if b"\x00" in data[:4096] else None
    if text is not None:
        return Decoded(_normalise(text), "utf-16", guessed=True)
    try:
        return Decoded(_normalise(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError as exc:
        if not detect:
            raise InputError(f"is not UTF-8 text (byte {exc.start}); save or export it as UTF-8",
                             file=file) from None
    if b"\x00" in data[:8192]:
        raise InputError("is a binary file, not text (export it as CSV)", file=file)
    return _detect(data, file)


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef"


def _reads_as_chinese(text: str) -> bool:
    """Chinese text: nearly every non-ASCII character is an ideograph or full-width punctuation,
    and ideographs are not wedged inside Latin words. Western accents read as GB18030 give
    'Cr鑝e Br鹟閑': ideographs with a Latin letter on both sides."""
    wide = [i for i, c in enumerate(text) if ord(c) > 127]
    if not wide:
        return False
    if sum(1 for i in wide if _is_cjk(text[i])) < 0.9 * len(wide):
        return False
    wedged = sum(1 for i in wide if 0 < i < len(text) - 1
                 and text[i - 1].isascii() and text[i - 1].isalpha()
                 and text[i + 1].isascii() and text[i + 1].isalpha())
    return wedged < 0.2 * len(wide)


def _detect(data: bytes, file: str | Path) -> Decoded:
    """Not UTF-8: GB18030 when its reading is Chinese text, else Windows-1252.

    A general detector (charset-normalizer) was tried and rejected: on exports of a few lines it
    read "Crème Brûlée" as cp1250 ("Crčme"), a German euro file as cp850 and a GBK file as Korean.
    The two code pages spreadsheets actually write for our founders are told apart reliably by one
    test: GB18030 rejects most Western byte pairs, and when it accepts, the text is ideographs."""
    try:
        chinese = data.decode("gb18030")
    except UnicodeDecodeError:
        chinese = None
    if chinese is not None and _reads_as_chinese(chinese[:200_000]):
        return Decoded(_normalise(chinese), "gb18030", guessed=True)
    try:
        return Decoded(_normalise(data.decode("cp1252")), "cp1252", guessed=True)
    except UnicodeDecodeError:
        raise InputError("is not UTF-8 text and its encoding cannot be recognised; save or export it as "
                         "CSV UTF-8", file=file) from None
