"""What sits around every request: the whole-page cache and the content version that
invalidates it (:mod:`.middleware`, :mod:`.content_version`), the health check, and the cache
backends.

Knows nothing of stories: it imports no :mod:`articles` module. The domain and the rooms
import it (to bump the content version after a write).
"""
