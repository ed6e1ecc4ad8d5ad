from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from serving.health import healthz
from serving.media import media_file

admin.site.site_header = "Newsroom admin"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "News desk"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Stored images, from whichever storage holds them (serving/media.py).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media_file, name="media"),
    path("", include("articles.reader.urls")),
]
