"""``python manage.py ensure_admin``: make sure a newcomer can log in to the admin.

Creates the superuser ``admin`` with a random password (printed once) when the site has no
superuser yet; ``--reset`` gives ``admin`` a new random password. No password is ever stored
in the repository.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Create the 'admin' superuser with a random password if there is no superuser."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--reset", action="store_true", help="give the user a new random password"
        )
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args: Any, username: str, reset: bool, url: str, **options: Any) -> None:
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists() and not reset:
            self.stdout.write(f"Admin: {url} (forgot the password? run: make admin-password)")
            return
        password = secrets.token_urlsafe(12)
        user, created = users.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        action = "Created" if created else "New password for"
        self.stdout.write(
            self.style.SUCCESS(f"{action} admin user '{username}', password: {password}")
            + f"\nAdmin: {url} (this password is shown once; change it in the admin)"
        )
