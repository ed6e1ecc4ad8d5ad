from django.contrib import admin
from django.urls import include, path

from serving.health import healthz

admin.site.site_header = "Newsroom admin"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "News desk"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("articles.reader.urls")),
]
