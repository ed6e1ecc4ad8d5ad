"""The editors' room: the Django admin of stories, providers, topics and categories.

Owns the article admin (:mod:`.admin`, declarative), its columns (:mod:`.columns`), the
publication workflow (:mod:`.publication`: the one-click toggle, the bulk actions and their
messages, over :func:`articles.publishing.set_publication`), the list's filters, counting,
date drill-down and search (:mod:`.filters`, :mod:`.counting`, :mod:`.drilldown`,
:mod:`.search`), the term admins (:mod:`.terms`), the admin's template tags, login
throttling (:mod:`.backends`) and ``ensure_admin``.

May import: :mod:`articles` (the domain) and :mod:`serving`. Never the importer or the reader.
"""
