"""Page-number pagination with the reference's headers: Per-Page, Total and an RFC 8288 Link."""

import math
from urllib.parse import urlencode

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100


def _positive_int(raw: str | None, default: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


def paginate(request, queryset) -> tuple[list, dict[str, str]]:
    """Return one page of `queryset` and the headers describing the whole list."""
    page = _positive_int(request.query_params.get("page"), 1)
    per_page = min(_positive_int(request.query_params.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
    total = queryset.count()
    offset = (page - 1) * per_page
    items = list(queryset[offset : offset + per_page]) if offset < total else []
    headers = {"Per-Page": str(per_page), "Total": str(total)}
    last_page = max(math.ceil(total / per_page), 1)
    if last_page > 1:
        headers["Link"] = _link_header(request, page, last_page)
    return items, headers


def _link_header(request, page: int, last_page: int) -> str:
    base = request.build_absolute_uri(request.path)
    pairs = [
        (key, value) for key, values in request.query_params.lists() if key != "page" for value in values
    ]

    def url(number: int) -> str:
        return f"{base}?{urlencode([('page', str(number)), *pairs])}"

    links = [f'<{url(1)}>; rel="first"']
    if page > 1:
        links.append(f'<{url(min(page - 1, last_page))}>; rel="prev"')
    links.append(f'<{url(last_page)}>; rel="last"')
    if page < last_page:
        links.append(f'<{url(page + 1)}>; rel="next"')
    return ", ".join(links)
