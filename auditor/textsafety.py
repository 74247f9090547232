"""Text from the data, made safe to show: invisible or forbidden characters made visible, long
strings shortened.

Group values, column names and policy names come from the files being audited, which come from
the parties being audited. Wherever such a string is rendered it must stay data:

- :func:`visible` replaces characters that XML (hence SVG, hence the chart renderer) forbids,
  C0/C1 control characters (``\\x1b`` starts terminal escape sequences) and the bidirectional
  overrides that reorder what a reader sees, by a visible escape such as ``\\x1b`` or
  ``\\u202e``. Tab, line feed and carriage return are kept unless ``keep_whitespace=False``.
- :func:`shorten` cuts a string to a bounded length, marking the cut with an ellipsis, the full
  length and a short digest (so two long names that share a start stay distinct).

>>> visible("a\\x0bb\\x1b[31m")
'a\\\\x0bb\\\\x1b[31m'
>>> shorten("x" * 500, limit=10)
'xxxxxxxxxx… [500 characters, #c38c2b]'
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["SHORTEN_LIMIT", "has_unsafe", "shorten", "visible"]

SHORTEN_LIMIT = 120
"""Characters of a data string kept by :func:`shorten` by default."""

# XML 1.0 Char excludes C0 controls (but tab, LF, CR), surrogates, U+FFFE and U+FFFF; DEL and the
# C1 controls are allowed by XML but invisible and meaningful to terminals; the bidi embedding,
# override and isolate controls reorder text on screen.
_UNSAFE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069"
_UNSAFE_CHARS = re.compile(f"[{_UNSAFE}]")
_UNSAFE_OR_WHITESPACE = re.compile(f"[{_UNSAFE}\t\n\r]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, keep_whitespace: bool = True) -> str:
    """``text`` with control, XML-forbidden and bidi-override characters as visible escapes."""
    pattern = _UNSAFE_CHARS if keep_whitespace else _UNSAFE_OR_WHITESPACE
    return pattern.sub(_escape, text)


def has_unsafe(text: str) -> bool:
    """Whether :func:`visible` would change ``text`` (tab, LF and CR kept)."""
    return _UNSAFE_CHARS.search(text) is not None


def shorten(text: str, *, limit: int = SHORTEN_LIMIT) -> str:
    """``text`` if at most ``limit`` characters, else its start, '…', its length and a digest."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{text[:limit]}… [{len(text):,} characters, #{digest}]"
