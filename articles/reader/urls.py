from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from . import feeds, views
from .sitemaps import SITEMAPS, NewsSitemap

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("top/", views.TopView.as_view(), name="top"),
    *feeds.feed_routes("feeds/", "home", feeds.LatestFeed),
    path("articles/<int:pk>/<str:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("topics/", views.TopicIndexView.as_view(), name="topics"),
    path("topics/<str:slug>/", views.TopicView.as_view(), name="topic"),
    *feeds.feed_routes("topics/<str:slug>/", "topic", feeds.TopicFeed),
    path("categories/<str:slug>/", views.CategoryView.as_view(), name="category"),
    *feeds.feed_routes("categories/<str:slug>/", "category", feeds.CategoryFeed),
    path("providers/", views.ProviderIndexView.as_view(), name="providers"),
    path("providers/<str:domain>/", views.ProviderView.as_view(), name="provider"),
    *feeds.feed_routes("providers/<str:domain>/", "provider", feeds.ProviderFeed),
    path("search/", views.SearchView.as_view(), name="search"),
    *feeds.feed_routes("search/", "search", feeds.SearchFeed),
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
