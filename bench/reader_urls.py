"""The project's URLs plus /hello/: a Django hello-world view, the benchmark's baseline."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from newsroom.urls import urlpatterns as site_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("hello/", hello), *site_urlpatterns]
