from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="home"),
    path("articles/<int:pk>/<str:slug>/", views.ArticleDetailView.as_view(), name="detail"),
    path("topics/<str:slug>/", views.TopicView.as_view(), name="topic"),
    path("categories/<str:slug>/", views.CategoryView.as_view(), name="category"),
    path("providers/<str:domain>/", views.ProviderView.as_view(), name="provider"),
]
