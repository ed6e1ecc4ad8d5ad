"""The whole-page cache of public pages for anonymous readers (:mod:`.middleware`), the content
version that invalidates it on every server at once (:mod:`.content_version`, its row in
:mod:`.models`, its copy in Redis), and the Redis cache backend (:mod:`.cache_backends`).

Its app label is ``serving``, the package's name before the HTTP plumbing (HEAD, guards, the
statement limit, logs, ``/healthz``) moved to :mod:`newsroom.http`: its table and migrations
keep that name.

Knows nothing of stories: it imports no :mod:`articles` module. The domain and the rooms
import it (to bump the content version after a write).
"""
