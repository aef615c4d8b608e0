"""A shared cache of public pages for anonymous readers.

On by default only where the cache is shared by every app server (``REDIS_URL``): a page is kept
under its path, query and language together with the *publication generation* it was made in.
Whatever changes what the public sees bumps the generation once its transaction commits:
publishing an edition, an edition's PDF or a compiled volume finishing, a change to a fiscal
year, department, division, municipality, vendor or subsidy programme. A page made in an older
generation is not served again; ``PUBLIC_PAGE_CACHE_SECONDS`` bounds the rest (bulk imports
that send no signals). Readers with a session (staff) always get a fresh page.

Each process also keeps the pages it served last in its own memory and reads the generation
from the shared cache at most once a second (``GENERATION_CHECK_SECONDS``): a hit then costs no
round trip, and other app servers see a change within a second of its commit.
"""

import hashlib
import time

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.utils.translation import get_language_from_request

from publication.models import public_content_changed

GENERATION_KEY = "public-pages:generation"
GENERATION_CHECK_SECONDS = 1.0
LOCAL_PAGES = 200  # pages kept in each process's memory (about 40 KB each)
NOT_CACHED = ("/admin/", "/nested_admin/", "/healthz", "/static/", "/media/")


_seen = {"generation": 0, "checked": float("-inf")}
_pages: dict[str, tuple] = {}


def _fresh_generation() -> int:
    # Time-based, so that a generation lost from the cache (a restart, an eviction) never comes
    # back as an old value that pages in some process's memory were made in.
    return time.time_ns() // 1_000  # microseconds: far ahead of any count of bumps


def _generation() -> int:
    """The current generation, read from the shared cache at most once a second."""
    now = time.monotonic()
    if now - _seen["checked"] >= GENERATION_CHECK_SECONDS:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, _fresh_generation(), None)
            generation = cache.get(GENERATION_KEY, 0)
        _seen["generation"], _seen["checked"] = generation, now
    return _seen["generation"]


def bump_public_pages() -> None:
    """Make every cached public page stale."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there: start a new one
        cache.set(GENERATION_KEY, _fresh_generation(), None)
    _seen["checked"] = float("-inf")  # this process sees it at once


def forget_local_pages() -> None:
    """Empty this process's copy (tests, which clear the shared cache between them)."""
    _pages.clear()
    _seen["checked"] = float("-inf")


def _bump_now(**kwargs) -> None:
    bump_public_pages()


def _bump_after_commit(**kwargs) -> None:
    # After the commit: a reader between the change and the commit would otherwise cache the
    # old page under the new generation.
    transaction.on_commit(bump_public_pages)


def connect_signals() -> None:
    """Bump on a change to any model whose ``shown_to_public`` says the public sees it, and
    whenever publication says public content changed."""
    for model in apps.get_models():
        if getattr(model, "shown_to_public", False):
            label = model._meta.label
            post_save.connect(_bump_after_commit, sender=model, dispatch_uid=f"pages-save-{label}")
            post_delete.connect(_bump_after_commit, sender=model, dispatch_uid=f"pages-del-{label}")
    public_content_changed.connect(_bump_now, dispatch_uid="pages-published")


def _key(request) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"public-page:{get_language_from_request(request)}:{path}"


class PublicPageCacheMiddleware:
    """Serve anonymous GETs of public pages from the cache (placed right after WhiteNoise)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.seconds = settings.PUBLIC_PAGE_CACHE_SECONDS

    def __call__(self, request):
        if not self.seconds or not self._cacheable_request(request):
            return self.get_response(request)
        key = _key(request)
        generation = _generation()
        entry = _pages.get(key)
        if entry is None or entry[0] != generation:
            entry = cache.get(key)
            if entry is not None and entry[0] == generation:
                self._remember(key, entry)
        if entry is not None and entry[0] == generation:
            _, status, headers, content = entry
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            return response
        response = self.get_response(request)
        if self._cacheable_response(response):
            entry = (generation, response.status_code, list(response.items()), response.content)
            cache.set(key, entry, self.seconds)
            self._remember(key, entry)
        return response

    @staticmethod
    def _remember(key: str, entry: tuple) -> None:
        if len(_pages) >= LOCAL_PAGES:
            _pages.clear()
        _pages[key] = entry

    @staticmethod
    def _cacheable_request(request) -> bool:
        return (
            request.method == "GET"
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
            and not request.path.startswith(NOT_CACHED)
        )

    @staticmethod
    def _cacheable_response(response) -> bool:
        cache_control = response.get("Cache-Control", "")
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "cookie" not in response.get("Vary", "").lower()
            and "private" not in cache_control
            and "no-store" not in cache_control
        )
