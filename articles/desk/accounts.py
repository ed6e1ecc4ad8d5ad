"""Django's users and groups pages, registered again with lists that filter only as shown.

Django's ``UserAdmin`` would otherwise answer any lookup on a user's own columns, such as
``?username=ed&password__startswith=pbkdf2_sha256$1`` to a staff member allowed to view users:
a password hash read one character at a time (:mod:`.lookups`). The pages are Django's own.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from .lookups import StrictLookupsAdmin

for model, model_admin in ((User, UserAdmin), (Group, GroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        strict = type(
            model_admin.__name__, (StrictLookupsAdmin, model_admin), {"__module__": __name__}
        )
        admin.site.register(model, strict)
