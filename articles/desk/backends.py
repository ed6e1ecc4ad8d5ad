"""Authentication backends: django-axes' login throttling, for logins made over HTTP."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuse a login while its user name and address are locked out (django-axes).

    Logins over HTTP (the admin's login form) always come with a request. Code that checks
    a password without one (a management command, the test client's ``login()``) has no
    client address to throttle and cannot be driven from the network; axes would raise an
    error for it, so it goes on to the password check unthrottled, as the axes
    documentation suggests for such callers.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
