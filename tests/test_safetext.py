"""Untrusted text cannot become HTML, an image or math, and still reads the same."""

import pytest

from reviewlab.safetext import ZWSP, plain_text, safe_markdown

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "Look: ![chart](https://evil.example/pixel.png)",
    "![ref image][pix]\n\n[pix]: https://evil.example/p.png",
    "[![badge](https://evil.example/b.svg)](https://evil.example)",
    "<iframe src='https://evil.example'></iframe>",
    "<!-- hidden --><?php echo 1 ?>",
    "- item\n  ```\n  code\n![x](https://evil.example/x.png)\n<img src=y>",
    "```\n<div onclick=x>\n```\n\n<b>after</b>",
    "`code` <svg/onload=alert(1)> `more`",
    "</p><img src=x>",
    "\\<img src=x>",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_no_tag_or_image_can_form(text):
    safe = safe_markdown(text)
    assert "![" not in safe
    for i, char in enumerate(safe[:-1]):
        if char == "<":
            assert not safe[i + 1].isalpha() and safe[i + 1] not in "/!?", safe
    assert safe.replace(ZWSP, "") == text  # reads exactly the same


def test_ordinary_markdown_is_untouched():
    text = "**Bold**, _italic_, a [link](https://example.com), `a < b`, 3 < 4 and > quote\n\n1. one\n2. two"
    assert safe_markdown(text) == text


def test_dollars_stay_literal_outside_code():
    assert safe_markdown("It costs $5 or $10") == r"It costs \$5 or \$10"
    assert safe_markdown("Use `$HOME` and\n```sh\necho $PATH\n```") == "Use `$HOME` and\n```sh\necho $PATH\n```"
    assert safe_markdown(r"already \$5") == r"already \$5"


def test_empty_and_plain_text():
    assert safe_markdown(None) == "" and safe_markdown("") == ""
    assert plain_text("  many\n\nlines   here ") == "many lines here"
    assert plain_text("abcdefgh", limit=4) == "abcd…"
