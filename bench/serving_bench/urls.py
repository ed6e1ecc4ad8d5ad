"""The project's URLs plus /hello/, the baseline of the throughput comparison."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from newsroom.urls import urlpatterns as project_urlpatterns


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Hello, world", content_type="text/plain")


urlpatterns = [path("hello/", hello), *project_urlpatterns]
