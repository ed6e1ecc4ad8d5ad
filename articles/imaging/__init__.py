"""Our own copies of the stories' lead images: the fetcher's room (``python manage.py
fetch_images``).

Owns fetching safely from publishers (:mod:`.safehttp`: only http(s), every connection and
redirect checked against internal addresses, a deadline and a byte cap), which stories a run
fetches and how (:mod:`.jobs`: new, changed, asked again conditionally, retried after a
back-off), and the run itself (:mod:`.fetcher`: parallel downloads with a per-host limit,
renditions on every core), and the files no story names any more (:mod:`.prune`,
``prune_images``). The renditions and the stored image are the domain's
(:mod:`articles.renditions`, :mod:`articles.media`): the admin's upload uses them too.

May import: :mod:`articles` (the domain) and :mod:`serving`. Never the other rooms.
"""
