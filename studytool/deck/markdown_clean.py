"""Turning exported Markdown (pandoc from Word, Jupyter, hand-written) into clean card text.

Handles what such exports carry: HTML spans and tags, images (kept as a text reference, the
terminal cannot show them), backslash escapes (\\_ \\[), bold markers inside code, and code
that lost its fences (one line per paragraph), which is fenced again.
"""

from __future__ import annotations

import html
import keyword
import re

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_IMG_MD = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_IMG_HTML = re.compile(r"<img\b[^>]*?\bsrc=[\"']?([^\"'\s>]+)[^>]*>", re.I)
_BR = re.compile(r"<br\s*/?>", re.I)
# Only real HTML tag names, so "a<b and c>d" in prose survives.
_TAG_NAMES = ("span|div|p|b|i|u|em|strong|sup|sub|a|code|pre|font|small|big|mark|del|ins|s|"
              "kbd|var|samp|cite|abbr|center|blockquote|table|thead|tbody|tr|td|th|ul|ol|li|"
              "h[1-6]|hr|figure|figcaption|details|summary|section|article")
_TAG = re.compile(rf"</?(?:{_TAG_NAMES})\b(?:\s[^<>]*)?/?>", re.I)
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~\"'=$&])")
_BOLD_WORD = re.compile(r"\*\*(\w+)\*\*")
_WHOLE_BOLD = re.compile(r"^\*\*(.+)\*\*$")
_IMAGE_REF = re.compile(r"^\[image: [^\]]*\]$")

# Lines that are code on their own (a statement), and lines that only continue code.
_STATEMENT = re.compile(
    r"^(?:(?:class|def)\s+\w+.*[:(]"
    r"|for\s+[\w, ()]+\s+in\s+.+:|(?:while|if|elif)\s+.+:|with\s+.+\)(?:\s+as\s+\w+)?:"
    r"|(?:else|try|finally):|except\b.*:"
    r"|return\b.*|import\s+\w.*|from\s+[\w.]+\s+import\b.*"
    r"|@\w[\w.]*.*"
    r"|[A-Za-z_][\w.]*(?:\[[^\]]*\])?(?:\s*,\s*[A-Za-z_][\w.]*)*\s*(?:[-+*/]\s*)?=\s*[^=\s].*"
    r"|[A-Za-z_][\w.]*\(.*\)[,:]?"
    r"|\[.*\bfor\b.*\]"
    r")$"
)
_CONTINUATION = re.compile(r"^[^|#>].*[,(\[{)\]}:]$")
_SENTENCE = re.compile(r"^[A-Z][a-z']*\s+[a-z']+\s+[a-z']+\b")
_QUESTION_WORDS = ("What", "Why", "How", "When", "Which", "Who", "Where", "Is", "Are", "Do",
                   "Does", "Can", "Should", "Could", "Would")


def clean_inline(text: str) -> str:
    """One line or paragraph of prose: images, tags, entities and escapes resolved."""
    text = _COMMENT.sub("", text)
    text = _IMG_MD.sub(lambda m: f"[image: {m[2] or m[1]}]", text)
    text = _IMG_HTML.sub(lambda m: f"[image: {m[1]}]", text)
    text = _BR.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _BOLD_WORD.sub(_unbold_keyword, text)
    text = _ESCAPED.sub(r"\1", text)
    whole = _WHOLE_BOLD.match(text.strip())
    if whole and looks_like_code(whole[1]):
        text = whole[1]  # a whole line of code set in bold by the export
    return text.strip()


def looks_like_code(line: str) -> bool:
    line = line.strip()
    return bool(line) and not _SENTENCE.match(line) and bool(_STATEMENT.match(line))


def looks_like_question(paragraph: str) -> bool:
    """A short one-line paragraph that reads like a questionnaire question."""
    line = paragraph.strip()
    return ("\n" not in line and line.endswith("?") and len(line) < 200
            and line.split(" ", 1)[0] in _QUESTION_WORDS)


def is_image_only(paragraph: str) -> bool:
    return all(_IMAGE_REF.match(part.strip()) for part in paragraph.split("\n") if part.strip())


def fence_code(paragraphs: list[str]) -> list[str]:
    """Join runs of code paragraphs (one statement each, as exports leave them) into fences."""
    out: list[str] = []
    run: list[str] = []
    for para in paragraphs:
        single = "\n" not in para
        if single and (looks_like_code(para) or (run and _continues(para))):
            run.append(para)
            continue
        if run:
            out.append(_fenced(run))
            run = []
        out.append(para)
    if run:
        out.append(_fenced(run))
    return out


def _continues(line: str) -> bool:
    return bool(_CONTINUATION.match(line)) and not _SENTENCE.match(line)


def _fenced(lines: list[str]) -> str:
    return "```python\n" + "\n".join(lines) + "\n```"


def _unbold_keyword(match: re.Match[str]) -> str:
    word = match[1]
    return word if keyword.iskeyword(word) else match[0]
