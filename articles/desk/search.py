"""The article list's search, written so that indexes can serve it."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

from articles.models import Provider


def search_articles(queryset: QuerySet, search_term: str) -> QuerySet:
    """Each word (or "quoted phrase") must appear in the title, the excerpt, the source
    address, or the provider's name or domain; case does not matter.

    Providers are looked up first (a small table) and matched by id, so the article table is
    filtered on its own columns without a join: on PostgreSQL the trigram indexes on title,
    excerpt and address (migration 0005) and the provider index then serve the search.
    """
    for word in smart_split(search_term):
        if word[0] in "\"'" and word[0] == word[-1] and len(word) > 1:
            word = unescape_string_literal(word)
        if not word:
            continue
        providers = list(
            Provider.objects.filter(Q(name__icontains=word) | Q(domain__icontains=word))
            .order_by()
            .values_list("pk", flat=True)
        )
        matches = Q(title__icontains=word) | Q(excerpt__icontains=word) | Q(url__icontains=word)
        if providers:
            matches |= Q(provider_id__in=providers)
        queryset = queryset.filter(matches)
    return queryset
