"""django-axes' login records in the admin, for superusers only.

Axes registers its tables (access attempts, the access log, failed logins) with the admin;
they hold user names and addresses of everyone who tried to sign in, and an editor has no
use for them. Here they are registered again with the same pages, which only superusers
see, whatever permissions a staff account was given.
"""

from __future__ import annotations

from axes import admin as axes_admin  # registers axes' own admins first
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.http import HttpRequest


def is_superuser(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


class SuperusersOnly:
    """Mixed into a ModelAdmin: shown and usable only by superusers, as its own rules say."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_superuser(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return is_superuser(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_superuser(request) and super().has_delete_permission(request, obj)


AXES_ADMINS = {
    AccessAttempt: axes_admin.AccessAttemptAdmin,
    AccessLog: axes_admin.AccessLogAdmin,
    AccessFailureLog: axes_admin.AccessFailureLogAdmin,
}

for model, axes_model_admin in AXES_ADMINS.items():
    if admin.site.is_registered(model):  # unless AXES_ENABLE_ADMIN is off
        admin.site.unregister(model)
        admin.site.register(
            model, type(axes_model_admin.__name__, (SuperusersOnly, axes_model_admin), {})
        )
