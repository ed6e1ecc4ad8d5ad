from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from articles.images.serving import media_file
from newsroom.http.health import healthz

admin.site.site_header = "Newsroom admin"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "News desk"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Stored images, from whichever storage holds them (articles/images/serving.py).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media_file, name="media"),
    path("", include("articles.reader.urls")),
]
