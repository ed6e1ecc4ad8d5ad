"""Searching stories, one concern in one package: a reader's text parsed, the index of every
story and its life cycle, and each database's SQL.

- :mod:`.query`: a reader's text as words, phrases, words left out and ``or``
  (:class:`~.query.SearchQuery`), the same for every database;
- :mod:`.engine`: the ranked matches, one page at a time (``find``), the admin's narrowing
  (``matching``) and the marked snippets (``highlights``), over the connection's backend;
- :mod:`.index`: what a story is found by, and the index's life cycle (created after
  ``migrate``, paused by the importer, stories deleted in one go);
- :mod:`.sqlite`, :mod:`.postgresql`: each database's SQL, the index's and the queries';
  :mod:`.dialect` what they share.

The reader's search page (:mod:`articles.reader.search_page`) and the admin's search box
(:mod:`articles.desk.search_box`) are thin hooks into it.

May import: Django only. It knows the stories' tables by name, not the models, so that the
domain's models may use the index (a story deleted leaves it in one go).
"""
