"""Background tasks that only tests queue."""

import time

from django_tasks import task


@task()
def slow_noop(n: int) -> int:
    """Long enough that two workers polling the same table overlap."""
    time.sleep(0.1)
    return n
