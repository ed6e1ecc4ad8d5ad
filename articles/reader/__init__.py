"""The database to readers: the public site's room.

Owns the reader queries (:mod:`.queries`, all from ``Article.objects.published()``), queries
compiled to SQL once (:mod:`.compiled`), keyset pagination (:mod:`.pagination`), what a page
shows of a story (:mod:`.presenters`), the views, feeds (their XML writers,
:mod:`.syndication`), sitemaps and URLs, and the Jinja2 environment (:mod:`.templating`).

May import: :mod:`articles` (the domain) and :mod:`pagecache`. Never the importer or the desk.
"""
