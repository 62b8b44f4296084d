"""Questions (and answers, where written) from a Markdown questionnaire, via markdown-it blocks.

Three shapes, tried in this order (see questions/SCHEMA.md):
1. fastbook's own: a "Questionnaire" heading, then a list of items (fastbook numbers every
   item `1.`), then optionally "Further Research" and a second list. Only those lists count:
   the rest of a chapter (its prose sections, "Conclusion") never becomes a card. Items are
   `part="questionnaire"` or `part="further"`, which the deck's ids follow.
2. a learner's answers document: "## question" headings, each followed by its answer.
3. a numbered list of questions with each answer indented under its item.
In the list shapes an item's first paragraph is the question; when a line of it ends with "?"
and more lines follow, the question ends there and the rest is the answer's first paragraph.
A list right after the question is part of it (fastbook's true/false sub-items); what follows
is the answer. Choices kept from the first importer: a heading ending with ":" with nothing
under it continues in the next heading (exports split "What does this code do:" + "## the
code" that way); a paragraph inside an answer that reads like a question is reported, not
split off (only the learner can tell a lost heading from a rhetorical question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from studytool.deck.markdown_blocks import Block, parse_blocks
from studytool.deck.markdown_clean import (
    clean_inline,
    fence_code,
    is_image_only,
    looks_like_code,
    looks_like_question,
)
from studytool.deck.models import PLACEHOLDER_ANSWER

Part = Literal["questionnaire", "further", ""]

_KIND_BY_START = (("write", "code"), ("implement", "code"), ("experiment", "experiment"),
                  ("train ", "experiment"), ("try ", "experiment"), ("draw", "draw"),
                  ("study", "study"), ("take a look", "study"))
# Headings that name a part of a chapter or of an answers document, never a question.
_SECTION_NAMES = frozenset({
    "questionnaire", "further research", "conclusion", "conclusions", "summary",
    "introduction", "references", "notes", "answers", "my answers", "contents",
})
_LEADING_SPACE = re.compile(r"^\s*")


@dataclass
class ImportedQuestion:
    text: str
    answer: str
    line: int  # the question's line in the Markdown
    kind: str = "recall"
    part: Part = ""

    @property
    def has_answer(self) -> bool:
        return self.answer != PLACEHOLDER_ANSWER


@dataclass
class Questionnaire:
    title: str | None
    questions: list[ImportedQuestion]
    warnings: list[tuple[int, str]] = field(default_factory=list)
    shape: str = ""  # "fastbook", "headings" or "list": how the questions were found


def parse_questionnaire(text: str) -> Questionnaire:
    """Questions and answers from Markdown text; warnings carry source line numbers."""
    blocks = parse_blocks(text)
    result = Questionnaire(_title(blocks), [])
    parts = _fastbook_parts(blocks)
    if any(b.kind == "list" and b.items for _part, b in parts):
        result.shape = "fastbook"
        for part, block in parts:
            if block.kind == "list":
                _from_list(block, part, result)
    elif any(b.kind == "heading" and b.level == 2 for b in blocks):
        result.shape = "headings"
        _from_headings(blocks, result)
    else:
        result.shape = "list"
        for block in blocks:
            if block.kind == "list" and block.ordered:
                _from_list(block, "", result)
    return result


def section_name(heading: str) -> str | None:
    """The normalised name when `heading` names a part of a document ("Questionnaire")."""
    name = " ".join(re.sub(r"[^\w\s]", " ", clean_inline(heading).lower()).split())
    return name if name in _SECTION_NAMES else None


# -- shape 1: fastbook's Questionnaire and Further Research lists -------------------------------

def _fastbook_parts(blocks: list[Block]) -> list[tuple[Part, Block]]:
    """The blocks under "Questionnaire" / "Further Research", each with its part."""
    out: list[tuple[Part, Block]] = []
    part: Part = ""
    top = 0  # level of the heading that opened the questionnaire
    for block in blocks:
        if block.kind == "heading":
            name = section_name(block.text)
            if name == "questionnaire":
                part, top = "questionnaire", block.level
            elif name == "further research":
                part, top = "further", top or block.level
            elif part and block.level <= top:
                part = ""  # a new section of the chapter: the questionnaire is over
            continue
        if part:
            out.append((part, block))
    return out


def _from_list(block: Block, part: Part, result: Questionnaire) -> None:
    for children, line in zip(block.items, block.item_lines, strict=True):
        question = _item_question(children, line, part, result.warnings)
        if question is not None:
            result.questions.append(question)


def _item_question(children: list[Block], line: int, part: Part,
                   warnings: list[tuple[int, str]]) -> ImportedQuestion | None:
    if not children or children[0].kind != "paragraph":
        warnings.append((line, "list item without question text skipped"))
        return None
    lines = children[0].text.split("\n")
    ends = [i for i, text in enumerate(lines) if clean_inline(text).endswith("?")]
    cut = ends[0] + 1 if ends and ends[0] < len(lines) - 1 else len(lines)
    text = " ".join(clean_inline(piece) for piece in lines[:cut]).strip()
    rest = [Block("paragraph", line + cut, "\n".join(lines[cut:]))] if cut < len(lines) else []
    body = children[1:]
    if not rest:
        while body and body[0].kind == "list":  # sub-items of the question itself
            text += "\n\n" + _clean_lines(body.pop(0).source)
    if not text:
        warnings.append((line, "list item without question text skipped"))
        return None
    return _question(text, line, rest + body, part, warnings)


# -- shape 2: "## question" headings ----------------------------------------------------------

@dataclass
class _Section:
    heading: str
    line: int
    body: list[Block] = field(default_factory=list)


def _from_headings(blocks: list[Block], result: Questionnaire) -> None:
    sections: list[_Section] = []
    for block in blocks:
        if block.kind == "heading" and block.level <= 2:
            if block.level == 2:
                sections.append(_Section(block.text, block.line))
            continue  # a "# part" heading is structure, not part of any answer
        if sections:
            sections[-1].body.append(block)
    for section in _merge_split_headings(sections):
        text = clean_inline(section.heading)
        if not text:
            result.warnings.append((section.line, "empty '## ' heading skipped"))
            continue
        if section_name(text) is not None:
            result.warnings.append((section.line, f"'{_short(text)}' names a section, not a "
                                                  "question: skipped"))
            continue
        result.questions.append(_question(text, section.line, section.body, "",
                                          result.warnings))


def _merge_split_headings(sections: list[_Section]) -> list[_Section]:
    merged: list[_Section] = []
    for section in sections:
        previous = merged[-1] if merged else None
        if previous and not previous.body and previous.heading.rstrip().endswith(":"):
            part = clean_inline(section.heading)
            part = f"`{part}`" if looks_like_code(part) else part
            previous.heading = f"{previous.heading.rstrip()} {part}"
            previous.body = section.body
            continue
        merged.append(section)
    return merged


# -- shared: the answer under a question ------------------------------------------------------

def _question(text: str, line: int, body: list[Block], part: Part,
              warnings: list[tuple[int, str]]) -> ImportedQuestion:
    answer = _answer(body, line, warnings)
    if not answer:
        if not part:  # fastbook's lists have no answers: the import sums them up instead
            warnings.append((line, f"'{_short(text)}' has no answer; wrote "
                                   f"'{PLACEHOLDER_ANSWER}'"))
        answer = PLACEHOLDER_ANSWER
    return ImportedQuestion(text, answer, line, _kind(text), part)


def _answer(blocks: list[Block], line: int, warnings: list[tuple[int, str]]) -> str:
    paragraphs: list[str] = []
    for block in blocks:
        rendered = _render(block)
        if not rendered:
            continue
        if block.kind == "paragraph" and looks_like_question(rendered):
            warnings.append((block.line, f"'{_short(rendered)}' inside an answer looks like a "
                                         "question: add '## ' before it to make it a card"))
        paragraphs.append(rendered)
    answer = "\n\n".join(fence_code(paragraphs)).strip()
    if answer and is_image_only(answer):
        warnings.append((line, f"the answer is only an image ({_short(answer)}); the "
                               "terminal shows its path, not the picture"))
    return answer


def _render(block: Block) -> str:
    if block.kind == "paragraph":
        return "\n".join(clean_inline(piece) for piece in block.text.split("\n")).strip()
    if block.kind == "fence":  # code stays verbatim, fence and language included
        fence = block.markup or "```"
        return f"{fence}{block.info}\n{block.text}{fence}"
    if block.kind == "code":  # indented code: fenced, so every viewer shows it as code
        return f"```\n{block.text}```"
    if block.kind == "heading":
        return f"{'#' * block.level} {clean_inline(block.text)}"
    return _clean_lines(block.source or block.text)


def _clean_lines(source: str) -> str:
    """Lists, tables and quotes: each line cleaned, its indentation (nesting) kept."""
    out = []
    for piece in source.split("\n"):
        indent = _LEADING_SPACE.match(piece)
        out.append((indent[0] if indent else "") + clean_inline(piece))
    return "\n".join(out).strip("\n")


def _title(blocks: list[Block]) -> str | None:
    for block in blocks:
        if block.kind == "heading" and block.level == 1:
            return clean_inline(block.text) or None
        if block.kind == "heading" or block.kind == "list":
            return None
    return None


def _kind(question: str) -> str:
    lowered = question.lower()
    for start, kind in _KIND_BY_START:
        if lowered.startswith(start):
            return kind
    return "code" if " implement " in f" {lowered} " else "recall"


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
