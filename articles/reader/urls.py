from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from . import feeds, views
from .sitemaps import SITEMAPS, NewsSitemap

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("top/", views.TopView.as_view(), name="top"),
    path("feeds/rss/", feeds.LatestFeed(), name="home-rss"),
    path("feeds/atom/", feeds.LatestAtomFeed(), name="home-atom"),
    path("articles/<int:pk>/<str:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("topics/", views.TopicIndexView.as_view(), name="topics"),
    path("topics/<str:slug>/", views.TopicView.as_view(), name="topic"),
    path("topics/<str:slug>/rss/", feeds.TopicFeed(), name="topic-rss"),
    path("topics/<str:slug>/atom/", feeds.TopicAtomFeed(), name="topic-atom"),
    path("categories/<str:slug>/", views.CategoryView.as_view(), name="category"),
    path("categories/<str:slug>/rss/", feeds.CategoryFeed(), name="category-rss"),
    path("categories/<str:slug>/atom/", feeds.CategoryAtomFeed(), name="category-atom"),
    path("providers/", views.ProviderIndexView.as_view(), name="providers"),
    path("providers/<str:domain>/", views.ProviderView.as_view(), name="provider"),
    path("providers/<str:domain>/rss/", feeds.ProviderFeed(), name="provider-rss"),
    path("providers/<str:domain>/atom/", feeds.ProviderAtomFeed(), name="provider-atom"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/rss/", feeds.SearchFeed(), name="search-rss"),
    path("search/atom/", feeds.SearchAtomFeed(), name="search-atom"),
    path("opensearch.xml", views.OpenSearchView.as_view(), name="opensearch"),
    path("robots.txt", views.RobotsView.as_view(), name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path(
        "news-sitemap.xml",
        sitemap_views.sitemap,
        {"sitemaps": {"news": NewsSitemap}, "template_name": "sitemaps/news.xml"},
        name="news-sitemap",
    ),
]
