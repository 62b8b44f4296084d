"""Plain-text helpers for grading: statements of an answer, content words, non-answers.

No model here: what can be told from the words alone (an empty answer, "I don't know", a key
term written out, a negation) is decided without embeddings, so it is fast and testable.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"```[^\n]*\n(.*?)(?:```|$)", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^a-z\s])|(?<=;)\s+|\n\s*\n"
                           r"|\n(?=\s*(?:[-*+]|\d+[.)])\s)")
_WORD = re.compile(r"[a-z0-9_]+")
# Backticks and emphasis stars, and list markers; underscores stay (they are part of names).
_MARKUP = re.compile(r"`+|\*{1,3}(?=\S)|(?<=\S)\*{1,3}|^\s*(?:[-*+]|\d+[.)])\s+", re.M)

STOPWORDS = frozenset("""
a an the and or but if then else of to in on at by for with from into onto as is are was
were be been being it its this that these those there here we you they he she i me my our
your their them us do does did doing have has had having can could should would will shall
may might must so such than too very just also only not no nor any some each every all
both few more most other same own what which who whom whose when where why how about above
below between through during before after again further once up down out off over under
one way thing things use used using make makes made get gets let lets like well much many
even still yet because since while
""".split())
# Short answers that are not answers. Compared after lower-casing and dropping punctuation.
NON_ANSWERS = frozenset({
    "", "idk", "dunno", "pass", "skip", "no idea", "no clue", "not sure", "i dont know",
    "i do not know", "dont know", "do not know", "i don't know", "don't know", "i forgot",
    "forgot", "no", "yes", "none", "nothing", "n a", "na", "tbd", "todo", "later",
    "i have no idea", "i am not sure", "im not sure", "not sure sorry", "sorry",
    "i dont remember", "i don't remember", "dont remember", "no answer", "blank", "x", "test",
    "asdf", "i dont know sorry", "i don't know sorry", "i give up", "give up", "unknown",
})
_NON_ANSWER_START = ("i don't know", "i dont know", "i do not know", "no idea", "not sure",
                     "i'm not sure", "im not sure", "i forgot", "i have no idea",
                     "i can't remember", "i cant remember", "i don't remember")
NEGATIONS = frozenset({"not", "no", "never", "none", "cannot", "without", "neither", "nor",
                       "isn't", "aren't", "doesn't", "don't", "didn't", "won't", "can't",
                       "shouldn't", "wouldn't", "nothing"})
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s", "e")


def statements(text: str) -> list[str]:
    """The answer's sentences (and list items); a code block counts as one statement."""
    out: list[str] = []
    last = 0
    for fence in _FENCE.finditer(text):
        out.extend(_sentences(text[last:fence.start()]))
        code = fence.group(1).strip()
        if code:
            out.append(code)
        last = fence.end()
    out.extend(_sentences(text[last:]))
    return out


def _sentences(text: str) -> list[str]:
    pieces = _SENTENCE_END.split(text)
    return [" ".join(_MARKUP.sub("", piece).split()) for piece in pieces
            if any(ch.isalnum() for ch in piece)]


def plain(text: str) -> str:
    """Markdown markers dropped, blank space collapsed: what the embedding model reads."""
    return " ".join(_MARKUP.sub("", text).split())


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("'", ""))


def stem(word: str) -> str:
    """A crude suffix stripper: enough to match "batches" with "batch", "stacked" with "stack"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def is_non_answer(text: str) -> bool:
    """Empty, or a way of saying "I don't know" (alone, or with a few words around it)."""
    flat = " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())
    if flat in NON_ANSWERS or not any(ch.isalnum() for ch in flat):
        return True
    if not content_stems(flat):
        return True
    return flat.startswith(_NON_ANSWER_START) and len(flat.split()) <= 12


OMISSIONS = frozenset({"without", "forgetting", "forgot", "forget", "omitting", "missing",
                       "skipping", "instead"})


def negated(text: str, omissions: bool = False) -> bool:
    """Whether a statement says "not" an odd number of times (a crude polarity); with
    `omissions`, "forgetting to" and "without" count as negations too."""
    words_ = NEGATIONS | OMISSIONS if omissions else NEGATIONS
    count = sum(1 for w in re.findall(r"[a-z']+", text.lower()) if w in words_)
    return count % 2 == 1
