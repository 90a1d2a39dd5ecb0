"""A started sandbox per test, dated on a fixed Wednesday so the date windows are predictable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from importer.sandbox import Sandbox

HOY = date(2025, 7, 16)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(hoy=HOY) as sb:
        yield sb
