"""The request's loaders: keys asked for in one turn are read in one batch, and kept."""

import asyncio

import pytest

from schema.context import BatchLoader

pytestmark = pytest.mark.no_sql


class Reads:
    """A batch read that notes the keys of each call, and can be held or made to fail."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.failing: set[int] = set()

    async def __call__(self, keys: list[int]) -> list[str]:
        self.batches.append(keys)
        await self.gate.wait()
        if self.failing & set(keys):
            raise LookupError(sorted(self.failing & set(keys)))
        return [f"v{key}" for key in keys]


async def test_keys_asked_for_in_one_turn_are_read_in_one_batch_each_once() -> None:
    reads = Reads()
    loader = BatchLoader(reads)

    answers = await asyncio.gather(
        loader.load_many([1, 2, 1]), loader.load(3), loader.load_many([2, 4])
    )

    assert list(answers) == [["v1", "v2", "v1"], "v3", ["v2", "v4"]]
    assert reads.batches == [[1, 2, 3, 4]]
    assert await loader.load_many([4, 1]) == ["v4", "v1"]  # kept: no new read
    assert reads.batches == [[1, 2, 3, 4]]


async def test_a_key_whose_batch_is_being_read_is_not_read_again() -> None:
    reads = Reads()
    reads.gate.clear()
    loader = BatchLoader(reads)
    first = asyncio.ensure_future(loader.load_many([1, 2]))
    await asyncio.sleep(0.01)  # its batch is being read
    second = asyncio.ensure_future(loader.load_many([2, 3]))
    await asyncio.sleep(0.01)
    reads.gate.set()

    assert await first == ["v1", "v2"]
    assert await second == ["v2", "v3"]
    assert reads.batches == [[1, 2], [3]]


async def test_a_failed_batch_fails_every_call_waiting_and_is_read_again_later() -> None:
    reads = Reads()
    reads.failing = {2}
    loader = BatchLoader(reads)

    answers = await asyncio.gather(loader.load_many([1, 2]), loader.load(3), return_exceptions=True)

    assert [type(answer) for answer in answers] == [LookupError, LookupError]
    reads.failing = set()
    assert await loader.load_many([1, 2, 3]) == ["v1", "v2", "v3"]
    assert reads.batches == [[1, 2, 3], [1, 2, 3]]


async def test_a_caller_cancelled_while_waiting_leaves_the_batch_to_the_others() -> None:
    reads = Reads()
    reads.gate.clear()
    loader = BatchLoader(reads)
    gone = asyncio.ensure_future(loader.load_many([1]))
    staying = asyncio.ensure_future(loader.load_many([1, 2]))
    await asyncio.sleep(0.01)

    gone.cancel()
    await asyncio.sleep(0)
    reads.gate.set()

    assert await staying == ["v1", "v2"]
    assert gone.cancelled()


async def test_what_was_read_is_let_go_and_primed_values_are_kept() -> None:
    reads = Reads()
    loader = BatchLoader(reads)
    loader.prime_many({7: "read elsewhere"})
    await loader.load_many([1, 7])

    loader.clear()
    assert await loader.load(1) == "v1"

    assert reads.batches == [[1], [1]]  # 7 was never read; 1 again after the clear


async def test_a_read_that_answers_the_wrong_number_of_values_fails_its_callers() -> None:
    async def short(keys: list[int]) -> list[str]:
        return ["only one"]

    loader = BatchLoader(short)

    with pytest.raises(ValueError, match="shorter"):
        await asyncio.wait_for(loader.load_many([1, 2]), 1)
