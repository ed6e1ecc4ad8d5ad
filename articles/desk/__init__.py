"""The editors' room: the Django admin of stories, providers, topics and categories.

Owns the article admin (:mod:`.admin`, declarative), its columns (:mod:`.columns`), the
form's images and related links, the first rows of each (:mod:`.inlines`), the
publication workflow (:mod:`.publication`: the one-click toggle, the bulk actions and their
messages, over :func:`articles.publishing.set_publication`), the list's filters, counting,
date drill-down and search (:mod:`.filters`, :mod:`.counting`, :mod:`.drilldown`,
:mod:`.search`), the term admins (:mod:`.terms`), the admin's template tags, login
throttling (:mod:`.backends`), django-axes' login records for superusers only
(:mod:`.axes_admin`) and ``ensure_admin``.

May import: :mod:`articles` (the domain) and :mod:`pagecache`. Never the importer or the reader.
"""
