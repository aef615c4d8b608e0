"""The health check a load balancer polls: the database and the cache answer, or 503."""

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils.crypto import get_random_string
from django.views.decorators.cache import never_cache

from organisation.models import FiscalYear


def _database() -> str:
    try:
        FiscalYear.objects.exists()
    except DatabaseError as error:
        connection.close()  # the next request opens a new connection
        return f"error: {type(error).__name__}"
    return "ok"


def _cache() -> str:
    key, value = "healthz", get_random_string(12)
    try:
        cache.set(key, value, 10)
        return "ok" if cache.get(key) == value else "error: value not kept"
    except Exception as error:  # a cache server that does not answer raises its own errors
        return f"error: {type(error).__name__}"


@never_cache
def healthz(request):
    checks = {"database": _database(), "cache": _cache()}
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
