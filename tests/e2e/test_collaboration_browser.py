"""Real-time collaboration in a real browser (Debian's chromium), two users in two windows
(issue 17 item 19): each sees the other on the deployment page, a comment one posts
appears on the other's page without a reload, and the mentioned one's unread count too."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from autostack_core.app import AutoStack
from autostack_core.infrastructure.models import Role, User, UserNotification
from tests.e2e.test_dashboard import browser
from tests.e2e.test_dashboard_ux import live, settings, signed_in_page
from tests.fixtures_auth import add_user, owner, personal_team
from tests.web_fixtures import make_site

__all__ = ["browser", "live", "owner", "settings"]

pytestmark = pytest.mark.e2e


async def test_two_users_see_each_other_and_a_comment_arrives_live(
    browser: Browser, live: str, autostack: AutoStack, owner: User
) -> None:
    site = await make_site(autostack, owner)
    await add_user(await personal_team(owner), "mel@example.com", Role.MEMBER)
    url = f"{live}/deployments/{site.current.id}"
    olivia = await signed_in_page(browser, live, "owner@example.com")
    mel = await signed_in_page(browser, live, "mel@example.com")
    await olivia.goto(url)
    await mel.goto(url)

    await expect(olivia.locator(".presence .viewer")).to_have_text(["M mel"])
    await expect(mel.locator(".presence .viewer")).to_have_text(["O Olivia"])

    await mel.get_by_label("Add a comment").fill("Looks **good**, @owner <b>ship</b> it")
    await mel.get_by_role("button", name="Comment").click()
    comment = olivia.locator("#comment-list .comment")
    await expect(comment).to_have_count(1)  # arrived without a reload
    await expect(comment.locator(".comment-body strong")).to_have_text("good")
    await expect(comment.locator(".comment-body")).to_contain_text("<b>ship</b> it")
    assert await UserNotification.filter(user=owner).count() == 1
    unread = olivia.locator("[data-unread]")
    await expect(unread).to_be_visible()  # the mention's count, live in the header
    await expect(unread).to_have_text("1")

    await mel.context.close()
    await expect(olivia.locator(".presence .viewer")).to_have_count(0, timeout=15_000)
    await olivia.context.close()
