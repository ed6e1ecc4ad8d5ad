"""The news desk's domain: stories and what they are grouped by, the one rule of what readers may
see (``Article.objects.published()``), publishing (:mod:`articles.publishing`), and every
write reaching readers at once (:mod:`articles.content`).

The rooms that serve people sit on top of it, each a package of its own:

- :mod:`articles.ingest`: seed files into the database (``import_seeds``);
- :mod:`articles.reader`: the database to readers (pages, feeds, sitemaps);
- :mod:`articles.desk`: the editors' admin.

Imports flow down: a room imports the domain and :mod:`pagecache`, never another room; the domain
imports :mod:`pagecache` (the content version) and nothing above it. ``docs/ARCHITECTURE.md``
draws the rooms; ``tests/project/test_architecture.py`` holds the code to these rules.
"""
