"""The feeds' generators: Django's RSS 2.0 and Atom writers, told that a story's excerpt is
plain text, and kept from the characters XML cannot carry; and a JSON Feed 1.1 writer
(:class:`JsonFeed`) on the same framework, so that every feed class writes all three.

- An excerpt is plain text. RSS 2.0 readers take an item's ``description`` as HTML, so it is
  HTML-escaped first (``<img …>`` shows as text, ``<!--`` hides nothing); Atom says what its
  ``summary`` is, and here it is ``type="text"``.
- XML 1.0 cannot carry most C0 control characters (nor U+FFFE, U+FFFF), and Django's writer
  refuses a feed holding one (``UnserializableContentError``, a 500). Every text a feed writes
  (titles, excerpts, names, categories, the feed's own title and description) goes through
  :func:`xml_text` first.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

# What XML 1.0 cannot carry: C0 controls but tab, line feed and carriage return; lone
# surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """The text without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list | tuple):
        return [_clean(part) for part in value]
    return value


class _XmlSafe:
    """Every text given to the feed or to one of its items, without what XML cannot carry."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*map(_clean, args), **{k: _clean(v) for k, v in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*map(_clean, args), **{k: _clean(v) for k, v in kwargs.items()})


class TextRssFeed(_XmlSafe, Rss201rev2Feed):
    """RSS 2.0 whose descriptions (the channel's and each item's) are plain text, escaped to
    show as text in a reader that takes them as HTML."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feed["description"] = escape(self.feed["description"])

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        if item["description"] is not None:
            item = {**item, "description": escape(item["description"])}
        super().add_item_elements(handler, item)


class TextAtomFeed(_XmlSafe, Atom1Feed):
    """Atom whose entries' summaries are ``type="text"`` (Django writes ``type="html"``)."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"]:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class JsonFeed(SyndicationFeed):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1) from Django's feed framework: the
    same feed and item fields RSS and Atom are written from. A story's excerpt is plain
    text, so it is ``content_text`` (and its ``summary``); JSON carries any character."""

    content_type = "application/feed+json; charset=utf-8"

    def write(self, outfile: Any, encoding: str) -> None:
        feed = self.feed
        document = {
            "version": JSON_FEED_VERSION,
            "title": feed["title"],
            "home_page_url": feed["link"],
            "feed_url": feed["feed_url"],
            "description": feed["description"],
            "language": feed["language"],
            "items": [_json_item(item) for item in self.items],
        }
        document = _without_empty(document, keep=("title", "items"))  # both required, even empty
        outfile.write(json.dumps(document, ensure_ascii=False, indent=1))


def _json_item(item: dict[str, Any]) -> dict[str, Any]:
    text = item["description"] or ""
    author = item.get("author_name")
    return _without_empty(
        {
            "id": item["unique_id"] or item["link"],
            "url": item["link"],
            "title": item["title"],
            "content_text": text,
            "summary": text,
            "date_published": _rfc3339(item["pubdate"]),
            "date_modified": _rfc3339(item["updateddate"]),
            "authors": [{"name": author}] if author else None,
            "tags": list(item["categories"] or ()) or None,
        },
        keep=("content_text",),  # the one content field an item must have, even when empty
    )


def _rfc3339(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _without_empty(values: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in keep or v not in (None, "", [])}
