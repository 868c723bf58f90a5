"""Comment Markdown: CommonMark without raw HTML, images or script links; mentions of
team members set off, everything else text."""

from __future__ import annotations

from autostack_web.comment_markdown import comment_markdown


def test_markdown_renders_and_html_stays_text() -> None:
    html = comment_markdown("**b** `x<y>` <img src=x onerror=alert(1)> ![i](http://e.test/i.png)")
    assert "<strong>b</strong>" in html
    assert "<code>x&lt;y&gt;</code>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html


def test_links_are_safe() -> None:
    html = comment_markdown("[ok](https://example.com) [bad](javascript:alert(1))")
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">ok</a>' in html
    assert "[bad](javascript:alert(1))" in html  # left as the text it was
    assert 'href="javascript' not in html


def test_only_members_mentions_are_set_off() -> None:
    html = comment_markdown("@ada, @eve, `@ada`, mail@ada and @Ada. <b>@ada</b>", {"ada"})
    assert html.count('<span class="mention">') == 3
    assert '<span class="mention">@Ada</span>.' in html
    assert "<code>@ada</code>" in html and "mail@ada" in html and "@eve" in html
    assert "&lt;b&gt;<span class=\"mention\">@ada</span>&lt;/b&gt;" in html
    assert '<span class="mention">' not in comment_markdown("@ada")
