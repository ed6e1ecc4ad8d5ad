"""Our own copies of the stories' lead images, one concern in one package.

- :mod:`.models`: :class:`~.models.StoredImage`, a story's copy (its table is the domain's,
  ``articles_storedimage``);
- :mod:`.renditions`: the sizes and formats made from an image's bytes, with Pillow;
- :mod:`.storage`: the files, written before the row that names them, and the row's writes (a
  fetch stored, unchanged or failed; an editor's upload, removal, return to the source's);
- fetching from publishers: safely (:mod:`.safehttp`: only http(s), every connection and
  redirect checked against internal addresses, a deadline and a byte cap), which stories a
  run fetches (:mod:`.jobs`), the run (:mod:`.fetcher`, renditions in processes that end with
  it: :mod:`.fetch_workers`), ``fetch_images``;
- :mod:`.prune`: the files no story names any more (``prune_images``);
- :mod:`.serving`: the files served under ``/media/``, from whichever storage holds them;
- :mod:`.admin`: the desk's pieces, the thumbnail, the renditions and the form's upload,
  removal and restore (mixed into the story's admin by :mod:`articles.desk`).

May import: :mod:`articles` (the domain) and :mod:`pagecache`. Never the rooms above it
(:mod:`articles.reader` and :mod:`articles.desk` import it).
"""
