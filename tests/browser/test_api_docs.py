"""The API docs page, in a browser that can reach nothing but the app (an air-gapped install)."""

from urllib.parse import urlsplit


def test_api_docs_render_without_any_other_host(stack, page_factory):
    page = page_factory()
    outside: list[str] = []
    own_host = urlsplit(stack.web_url).netloc

    def only_the_app(route):
        if urlsplit(route.request.url).netloc == own_host:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.goto("/api/docs")
    # Swagger UI drew the operations from the schema: it loaded, ran and fetched /api/schema.
    page.locator(".opblock-summary-path", has_text="/api/contacts").first.wait_for()
    assert page.locator(".opblock").count() > 50
    assert outside == []
