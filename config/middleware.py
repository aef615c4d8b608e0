"""Requests carrying NUL (U+0000): refused in the path, removed from parameters.

PostgreSQL cannot store or even compare NUL in text and answers an error (a 500), while SQLite
takes it; no browser form sends it. So a path with NUL is answered 400 in Japanese, and NUL is
removed from every query and form parameter before any view sees it: the same on both
databases. Uploaded files are checked where they are read (spreadsheets/importing.py).
"""

from django.conf import settings
from django.http import HttpResponseBadRequest, QueryDict
from django.template.loader import render_to_string

NUL = "\x00"


def _without_nul(params: QueryDict) -> QueryDict:
    if not any(NUL in key or any(NUL in v for v in values) for key, values in params.lists()):
        return params
    cleaned = QueryDict(mutable=True, encoding=params.encoding)
    for key, values in params.lists():
        cleaned.setlistdefault(key.replace(NUL, ""), []).extend(v.replace(NUL, "") for v in values)
    cleaned._mutable = False
    return cleaned


class NulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path:
            # Rendered without the request: its path is not to be echoed into the page.
            context = {"site_name": settings.SITE_NAME, "prefecture": settings.PREFECTURE}
            return HttpResponseBadRequest(render_to_string("400_nul.html", context))
        request.GET = _without_nul(request.GET)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            request.POST = _without_nul(request.POST)
        return self.get_response(request)
