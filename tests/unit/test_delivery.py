from bot.delivery import PER_CHAT_BURST, RateLimiter


def test_global_limit_spaces_sends() -> None:
    limiter = RateLimiter(global_per_s=10, per_chat_per_s=0)
    waits = [limiter.reserve_global(now=100.0) for _ in range(5)]
    assert [round(w, 6) for w in waits] == [0.0, 0.1, 0.2, 0.3, 0.4]


def test_per_chat_limit_allows_a_short_burst_then_one_per_second() -> None:
    limiter = RateLimiter(global_per_s=0, per_chat_per_s=1)
    waits = [limiter.reserve_chat(42, now=0.0) for _ in range(PER_CHAT_BURST + 2)]
    assert waits[:PER_CHAT_BURST] == [0.0] * PER_CHAT_BURST
    assert waits[PER_CHAT_BURST] == 1.0 and waits[PER_CHAT_BURST + 1] == 2.0
    assert limiter.reserve_chat(7, now=0.0) == 0.0  # other chats are not held up


def test_asking_how_long_a_chat_waits_reserves_nothing() -> None:
    limiter = RateLimiter(global_per_s=0, per_chat_per_s=1)
    assert limiter.chat_wait(42, now=0.0) == 0.0
    for _ in range(PER_CHAT_BURST):
        limiter.reserve_chat(42, now=0.0)
    assert limiter.chat_wait(42, now=0.0) == 1.0
    assert limiter.chat_wait(42, now=0.0) == 1.0  # asking twice: the same answer
    assert limiter.reserve_chat(42, now=0.0) == 1.0  # and the slot it named is still free
    assert limiter.chat_wait(7, now=0.0) == 0.0


def test_a_busy_chat_never_holds_up_the_global_queue() -> None:
    limiter = RateLimiter(global_per_s=500, per_chat_per_s=1)
    for _ in range(5):
        limiter.reserve_chat(1, now=0.0)
    limiter.reserve_global(now=0.0)
    # Chat 1 now waits seconds for its own slots; chat 2 goes out at once.
    assert limiter.reserve_chat(2, now=0.0) == 0.0
    assert limiter.reserve_global(now=0.0) <= 0.004


def test_retry_after_pauses_everything() -> None:
    import time

    limiter = RateLimiter(global_per_s=30, per_chat_per_s=0)
    limiter.pause(2.0)
    assert limiter.reserve_global(now=time.monotonic()) > 1.9


def test_zero_turns_limits_off() -> None:
    limiter = RateLimiter(0, 0)
    assert all(
        limiter.reserve_chat(1, now=0.0) == 0.0 and limiter.reserve_global(now=0.0) == 0.0 for _ in range(100)
    )


async def test_a_pause_holds_back_sends_that_already_hold_a_slot() -> None:
    import asyncio
    import time

    limiter = RateLimiter(global_per_s=10, per_chat_per_s=0)
    sent: list[float] = []

    async def send() -> None:
        async with limiter.slot(None):
            sent.append(time.monotonic())

    start = time.monotonic()
    senders = [asyncio.create_task(send()) for _ in range(3)]  # slots at +0, +0.1, +0.2
    await asyncio.sleep(0.05)
    limiter.pause(0.4)  # a 429 after the first went out: the other two already hold slots
    await asyncio.gather(*senders)
    assert sent[0] - start < 0.05
    assert all(moment - start >= 0.44 for moment in sent[1:])  # none before the pause ended


async def test_no_more_requests_under_way_than_the_cap() -> None:
    import asyncio

    limiter = RateLimiter(global_per_s=0, per_chat_per_s=0, max_in_flight=2)
    inside = peak = 0

    async def send() -> None:
        nonlocal inside, peak
        async with limiter.slot(None):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(send() for _ in range(8)))
    assert peak == 2


async def test_no_second_can_hold_more_than_the_limit_wherever_telegram_counts_a_send() -> None:
    """Telegram counts a send at some moment between leaving and answering: the window keeps a
    send from 1 s after an answer, so no second holds more than the limit, at any such moment."""
    import asyncio
    import random
    import time

    limit = 20
    limiter = RateLimiter(global_per_s=limit, per_chat_per_s=0)
    spans: list[tuple[float, float]] = []
    answer_times = random.Random(7)

    async def send() -> None:
        async with limiter.slot(None):
            left = time.monotonic()
            await asyncio.sleep(answer_times.choice([0.0, 0.01, 0.05, 0.2]))  # the round trip
            spans.append((left, time.monotonic()))

    started = time.monotonic()
    await asyncio.gather(*(send() for _ in range(2 * limit + 5)))
    # Earliest possible count of each send (when it left) against the latest possible of the
    # others (their answers): within any 1 s, never more than the limit.
    for left, _ in spans:
        counted = sum(1 for other_left, answered in spans if other_left <= left and answered > left - 1.0)
        assert counted <= limit
    assert time.monotonic() - started < 3.5  # and not much slower than the limit: 45 in ~2.3 s
