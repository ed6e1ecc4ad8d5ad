"""The browser set-up itself: Chromium starts, renders our page, and axe-core runs in it."""

import pytest

from tests.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.slow
def test_home_page_renders_in_chromium(live_server, page, tmp_path):
    page.goto(live_server.url + "/")
    assert page.title()
    page.screenshot(path=str(tmp_path / "home.png"))
    assert (tmp_path / "home.png").stat().st_size > 1000
    assert isinstance(axe_violations(page), list)
