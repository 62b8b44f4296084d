"""Markdown -> a tree of blocks (headings, paragraphs, code, lists) from markdown-it-py tokens.

The importers work on this tree, not on regexes over lines: markdown-it decides what is a
heading, a list item, a fence (CommonMark, with ATX headings only: a line of `---` under text
stays text, as Word and Jupyter exports use it as a rule). Each block keeps its raw Markdown
source (code spans and emphasis as written) and its first line (1-based) for warnings.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

Kind = Literal["heading", "paragraph", "fence", "code", "list", "raw"]


@dataclass
class Block:
    """One block of a Markdown document.

    text: for a heading or paragraph the inline source (markers and indentation removed); for
    a fence or indented code the code itself; for other blocks (tables, quotes, HTML, rules)
    their source lines, dedented. items: a list's items, each its own list of blocks.
    """

    kind: Kind
    line: int
    text: str = ""
    level: int = 0  # heading level
    info: str = ""  # a fence's info string (language)
    markup: str = ""  # a fence's ``` or ~~~; a list's marker
    ordered: bool = False
    items: list[list[Block]] = field(default_factory=list)
    item_lines: list[int] = field(default_factory=list)
    source: str = ""  # the block's source lines, dedented (for lists inside answers)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").disable("lheading")


def parse_blocks(text: str) -> list[Block]:
    """The document's top-level blocks, in order."""
    tokens = _parser().parse(text)
    lines = text.split("\n")
    blocks, _end = _blocks(tokens, 0, lines, close=None)
    return blocks


def _blocks(tokens: list[Token], start: int, lines: list[str],
            close: str | None) -> tuple[list[Block], int]:
    """Blocks from tokens[start:] up to the token of type `close` (or the end)."""
    out: list[Block] = []
    i = start
    while i < len(tokens):
        token = tokens[i]
        if close is not None and token.type == close:
            return out, i + 1
        line = (token.map[0] + 1) if token.map else 0
        if token.type in ("heading_open", "paragraph_open"):
            inline = tokens[i + 1]
            kind: Kind = "heading" if token.type == "heading_open" else "paragraph"
            out.append(Block(kind, line, inline.content, level=len(token.markup)
                             if kind == "heading" else 0))
            i += 3
        elif token.type == "fence":
            out.append(Block("fence", line, token.content, info=token.info.strip(),
                             markup=token.markup))
            i += 1
        elif token.type == "code_block":
            out.append(Block("code", line, token.content))
            i += 1
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            block = Block("list", line, ordered=token.type == "ordered_list_open",
                          markup=token.markup, source=_source(lines, token))
            i = _list_items(tokens, i + 1, lines, block, token.type.replace("_open", "_close"))
            out.append(block)
        elif token.nesting == 1:  # blockquote, table...: kept as its source lines
            depth, j = 1, i + 1
            while j < len(tokens) and depth:
                depth += tokens[j].nesting
                j += 1
            out.append(Block("raw", line, _source(lines, token)))
            i = j
        else:  # html_block, hr
            if token.map:
                out.append(Block("raw", line, _source(lines, token)))
            i += 1
    return out, i


def _list_items(tokens: list[Token], i: int, lines: list[str], block: Block,
                close: str) -> int:
    while i < len(tokens) and tokens[i].type != close:
        item = tokens[i]  # list_item_open
        children, i = _blocks(tokens, i + 1, lines, close="list_item_close")
        block.items.append(children)
        block.item_lines.append((item.map[0] + 1) if item.map else 0)
    return i + 1


def _source(lines: list[str], token: Token) -> str:
    if not token.map:
        return ""
    start, end = token.map
    return textwrap.dedent("\n".join(lines[start:end])).strip("\n")
