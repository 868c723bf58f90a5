"""The scale policy's one check: a replica count from 1 to MAX_REPLICAS, for every caller."""

from __future__ import annotations

import pytest

from autostack_core.errors import ApiError
from autostack_core.services.scaling import checked_replicas


@pytest.mark.parametrize("value, count", [(1, 1), (10, 10), ("3", 3), (" 4 ", 4)])
def test_a_whole_number_in_range_is_a_replica_count(value: object, count: int) -> None:
    assert checked_replicas(value) == count


@pytest.mark.parametrize("value", [0, 11, -1, "0", "two", "", "2.5", 2.0, True, None])
def test_anything_else_is_refused_naming_the_field(value: object) -> None:
    with pytest.raises(ApiError) as refused:
        checked_replicas(value)
    assert (refused.value.status, refused.value.field) == (422, "replicas")
    assert refused.value.message == "replicas: enter a whole number from 1 to 10"
