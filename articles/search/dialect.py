"""What the search backends share: the index's SQL as a :class:`Dialect` (its view, its
triggers, its bulk statements), the view every index reads, and the marks of a match.

Each database's module (:mod:`.sqlite`, :mod:`.postgresql`) builds its own from these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

TABLE = "articles_search"
# Where the engines mark a match in a snippet; the text never holds these (the importer
# removes control characters, and so does :func:`.query.clean`).
START, STOP = "\x02", "\x03"

VIEW = "articles_search_source"
COLUMNS = "headline, excerpt, body, topics, provider"

VIEW_SQL = """
CREATE VIEW articles_search_source AS
SELECT a.id AS id, {headline} AS headline, {excerpt} AS excerpt, a.body AS body,
    (SELECT {aggregate} FROM articles_articletopic x JOIN articles_topic t ON t.id = x.topic_id
     WHERE x.article_id = a.id) AS topics,
    (SELECT p.name FROM articles_provider p WHERE p.id = a.provider_id) AS provider
FROM articles_article a
"""


@dataclass(frozen=True)
class Dialect:
    present: str  # lists the names of the views and triggers there are
    groups: dict[str, Callable[[str, str, tuple[str, ...]], list[str]]]  # name -> its statements
    drop: list[str]
    rebuild: list[str]
    pause: str
    resume: str
    forget: str  # {ids}: placeholders
    index: str
    drop_documents: str  # {ids}: the documents of stories deleted while paused

    def names(self) -> list[str]:
        return list(self.groups)

    def create(self, name: str, headline: str, excerpt: str, columns: tuple[str, ...]) -> list[str]:
        return self.groups[name](headline, excerpt, columns)
