"""The article list's search: the site's search index (:mod:`articles.search`) over every
story, published or not, plus source addresses and provider domains.

Words and phrases match as on the reader site (any word form, accents folded, ``"a
phrase"``, ``-word``, ``or``), in the headline, excerpt, body, topics and provider name. A
word with a dot or a slash in it (``harbour.test``, ``/boats/``) is also looked for in the
story's source address and its provider's domain, as typed: the index holds words, not
addresses. On PostgreSQL the trigram index on the address serves that (migration 0005).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

from articles.models import Article, Provider
from articles.search.engine import matching
from articles.search.query import QueryError, SearchQuery, clean


def search_articles(queryset: QuerySet, search_term: str) -> QuerySet:
    if not clean(search_term):
        return queryset
    addresses = [word for word in _words(search_term) if "." in word or "/" in word]
    by_address = [_by_address(Article.objects.all(), addresses)] if addresses else []
    try:
        return matching(queryset, SearchQuery.parse(search_term), *by_address)
    except QueryError:  # too long, or no word to look for
        return queryset.filter(pk__in=by_address[0].values("pk")) if by_address else queryset.none()


def _words(search_term: str) -> list[str]:
    words = []
    for word in smart_split(clean(search_term)):
        if word[0] in "\"'" and word[0] == word[-1] and len(word) > 1:
            word = unescape_string_literal(word)
        if word:
            words.append(word)
    return words


def _by_address(queryset: QuerySet, words: list[str]) -> QuerySet:
    """Stories whose address or provider's domain holds every one of these words. Providers
    are looked up first (a small table) and matched by id, without a join."""
    for word in words:
        providers = list(
            Provider.objects.filter(domain__icontains=word).order_by().values_list("pk", flat=True)
        )
        matches = Q(url__icontains=word)
        if providers:
            matches |= Q(provider_id__in=providers)
        queryset = queryset.filter(matches)
    return queryset
