"""Counting SQL queries: tests pin how many a page makes so the count cannot creep up.

Tortoise logs each statement it runs at debug level on ``tortoise.db_client``
(SQLite and PostgreSQL alike); :func:`counting_queries` counts those records.
``bench/dashboard_bench.py`` counts the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class QueryCounter(logging.Handler):
    """Counts the statements Tortoise logs, keeping them for the failure message."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.queries.append(record.getMessage()[:200])

    @property
    def count(self) -> int:
        return len(self.queries)

    def __str__(self) -> str:
        return f"{self.count} queries:\n" + "\n".join(self.queries)


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter, level = QueryCounter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
