"""Untrusted conversation text made safe for Streamlit's markdown.

Markdown formatting (emphasis, lists, code, links) still renders, but nothing can become HTML or an image:
a zero-width space is put after every `<` that would open a tag, comment or autolink and between `!` and `[`,
so no HTML element and no image (which would load a remote address) can form. This needs no markdown parsing,
so it holds in every context (prose, lists, quotes, code), and the text still reads exactly the same.
Dollar signs outside code are escaped so prices do not turn into math.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_IMAGE_START = re.compile(r"!(?=\[)")
_CODE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?(?:^ {0,3}\1[`~]*[ \t]*$|\Z)|(?<!\\)(`+)(?:(?!\2).)+?\2", re.M | re.S)
_DOLLAR = re.compile(r"(?<!\\)\$")


def safe_markdown(text: str | None) -> str:
    """`text` with raw HTML and images neutralised (and `$` kept literal outside code)."""
    text = _TAG_START.sub("<" + ZWSP, text or "")
    text = _IMAGE_START.sub("!" + ZWSP, text)
    out, last = [], 0
    for match in _CODE.finditer(text):
        out.append(_DOLLAR.sub(r"\$", text[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_DOLLAR.sub(r"\$", text[last:]))
    return "".join(out)


def plain_text(text: str | None, limit: int | None = None) -> str:
    """`text` on one line, cut to `limit` characters (for table cells, which show text as text)."""
    flat = " ".join((text or "").split())
    if limit is not None and len(flat) > limit:
        flat = flat[:limit].rstrip() + "…"
    return flat
