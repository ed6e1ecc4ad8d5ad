"""Seed files into the database: the importer's room (``python manage.py import_seeds``).

Owns the seed format and its YAML loader (:mod:`.seedfile`, :mod:`.fields`, :mod:`.loader`), the
file walk and the parser processes (:mod:`.files`, :mod:`.parsers`, :mod:`.workers`), the
database rows a story becomes (:mod:`.rows`), the batch writer and its bulk SQL (:mod:`.writer`,
:mod:`.bulk`), the run itself (:mod:`.importer`) and the demo corpus generator (:mod:`.corpus`).

May import: :mod:`articles` (the domain) and :mod:`pagecache`. Never the reader or the desk.
"""
