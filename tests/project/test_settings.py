import pytest
from django.core.exceptions import ImproperlyConfigured

from newsroom.settings import env_bool, env_list


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("Yes", True), ("false", False), ("0", False), ("OFF", False)],
)
def test_env_bool_is_a_real_boolean(monkeypatch, value, expected):
    monkeypatch.setenv("X_FLAG", value)
    assert env_bool("X_FLAG") is expected


def test_env_bool_default_and_nonsense(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert env_bool("X_FLAG", default=True) is True
    monkeypatch.setenv("X_FLAG", "treu")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG")


def test_env_list(monkeypatch):
    monkeypatch.setenv("X_HOSTS", " a.com, b.com ,,")
    assert env_list("X_HOSTS") == ["a.com", "b.com"]
