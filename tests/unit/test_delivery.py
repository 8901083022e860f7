from bot.delivery import PER_CHAT_BURST, RateLimiter


def test_global_limit_spaces_sends() -> None:
    limiter = RateLimiter(global_per_s=10, per_chat_per_s=0)
    waits = [limiter.reserve(chat, now=100.0) for chat in range(5)]
    assert waits == [0.0, 0.1, 0.2, 0.30000000000000004, 0.4] or all(
        abs(w - i * 0.1) < 1e-9 for i, w in enumerate(waits)
    )


def test_per_chat_limit_allows_a_short_burst_then_one_per_second() -> None:
    limiter = RateLimiter(global_per_s=0, per_chat_per_s=1)
    waits = [limiter.reserve(42, now=0.0) for _ in range(PER_CHAT_BURST + 2)]
    assert waits[:PER_CHAT_BURST] == [0.0] * PER_CHAT_BURST
    assert waits[PER_CHAT_BURST] == 1.0 and waits[PER_CHAT_BURST + 1] == 2.0
    assert limiter.reserve(7, now=0.0) == 0.0  # other chats are not held up


def test_zero_turns_limits_off() -> None:
    limiter = RateLimiter(0, 0)
    assert all(limiter.reserve(1, now=0.0) == 0.0 for _ in range(100))
