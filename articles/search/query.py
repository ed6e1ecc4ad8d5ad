"""A reader's search text, parsed: words, quoted phrases, words left out and ``or``, the same
for every database (each backend writes them out again for its engine: :mod:`.sqlite`,
:mod:`.postgresql`). Whatever the text, the query sent to the engine is built from these
words and phrases, each quoted again for the engine, so no character of it is ever syntax: a
search answers with matches or none, never an error.

What a reader may type (as in most search boxes, and PostgreSQL's ``websearch_to_tsquery``):
words (all must match, in any field, in any form: "burrow" finds "burrowing"), ``"a
phrase"``, ``-word`` or ``-"a phrase"`` to leave out, ``or`` between two words for either.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_LENGTH = 200  # characters; a longer search is refused with a friendly page
MAX_TERMS = 12  # words and phrases beyond these are ignored

# Characters nobody types into a search box: control and format characters (NUL, bidi
# overrides and isolates, zero-width), replaced by spaces before anything else.
# Control and invisible characters, and lone surrogates (text no database can store: they
# come only from Python callers, never over HTTP).
_INVISIBLE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]"
)
_ITEM = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_SEARCHABLE = re.compile(r"[^\W_]")  # a letter or a digit: something the engines index


class QueryError(ValueError):
    """A search that cannot run; its message is for the reader."""


def clean(text: str) -> str:
    return " ".join(_INVISIBLE.sub(" ", text).split())


@dataclass(frozen=True)
class SearchQuery:
    """A reader's search: groups that must all match (each one phrase, or phrases joined by
    ``or``), and phrases that must not."""

    text: str
    groups: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...] = ()

    @classmethod
    def parse(cls, raw: str) -> SearchQuery:
        text = clean(raw)
        if not text:
            raise QueryError("Type a word or two to search the stories.")
        if len(text) > MAX_QUERY_LENGTH:
            raise QueryError(
                f"That search is {len(text):,} characters long: "
                f"shorten it to {MAX_QUERY_LENGTH} or fewer."
            )
        groups: list[list[str]] = []
        excluded: list[str] = []
        either = after_word = False  # "or" joins two words to look for, not one left out
        # The words in Unicode's compatible composed form (NFKC), as the index holds text:
        # full-width letters ("ＢＲＩＤＧＥ") are the plain ones, and a letter and its accent
        # typed apart are the one accented letter.
        for negated, phrase in _items(unicodedata.normalize("NFKC", text)):
            if phrase is None:  # "or"
                either = after_word
                continue
            after_word = not negated
            if negated:  # "a or -b c": "or" joins no word left out, nor carries past it
                excluded.append(phrase)
                either = False
            elif either:
                groups[-1].append(phrase)
                either = False
            else:
                groups.append([phrase])
        if not groups:
            raise QueryError(_nothing_to_look_for(text, excluded))
        return cls(text, tuple(tuple(g) for g in groups), tuple(excluded))


def _nothing_to_look_for(text: str, excluded: list[str]) -> str:
    if excluded:
        return "Type a word to look for, not only words to leave out."
    if _SEARCHABLE.search(text):  # only "or"
        return "Type a word to look for: “or” only joins two."
    return "Type a word to look for: letters or digits (symbols alone find nothing)."


def _items(text: str):
    """(negated, phrase) for each word or quoted phrase with something searchable in it, and
    (False, None) for an "or"; at most MAX_TERMS phrases."""
    count = 0
    for match in _ITEM.finditer(text):
        negated, quoted, word = match.groups()
        if word is not None:
            if word.lower() == "or":
                yield False, None
                continue
            negated, quoted = ("-", word[1:]) if word.startswith("-") else ("", word)
        phrase = quoted.replace('"', " ").strip()
        if _SEARCHABLE.search(phrase):
            count += 1
            if count > MAX_TERMS:
                return
            yield bool(negated), phrase
