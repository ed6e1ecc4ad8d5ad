from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_creates_admin_with_a_printed_random_password_once():
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    password = out.getvalue().split("password: ")[1].split()[0]
    assert authenticate(username="admin", password=password).is_superuser
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    assert "password:" not in out.getvalue() and "make admin-password" in out.getvalue()


@pytest.mark.slow
def test_reset_gives_a_new_password():
    call_command("ensure_admin", stdout=StringIO())
    out = StringIO()
    call_command("ensure_admin", "--reset", stdout=out)
    password = out.getvalue().split("password: ")[1].split()[0]
    assert authenticate(username="admin", password=password)
    assert get_user_model().objects.count() == 1
