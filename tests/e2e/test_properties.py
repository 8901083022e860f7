"""Property: whatever text or button payload arrives, the bot answers and no handler raises."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Baker

# One running bot serves every example (starting one per example would be far too slow).
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

commands = st.sampled_from(
    [
        "/newbake",
        "/rise",
        "/temp",
        "/timer",
        "/fridge",
        "/proof",
        "/folds",
        "/target",
        "/feed",
        "/bakes",
        "/export",
        "/chart",
        "/settings",
        "/done",
        "/status",
        "",
    ]
)
texts = st.one_of(
    st.text(min_size=1, max_size=200),
    st.builds(lambda c, a: f"{c} {a}".strip(), commands, st.text(max_size=60)),
).filter(lambda t: t.strip() != "")
payloads = st.one_of(
    st.text(max_size=64),
    st.builds(
        lambda p, a, b, c: f"{p}:{a}:{b}:{c}",
        st.sampled_from(["b", "r", "rt", "pf", "s", "sk", "p"]),
        st.text(max_size=8),
        st.integers(-(10**12), 10**12),
        st.integers(-5, 10**6),
    ),
)


class HandlerErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def handler_errors():
    errors = HandlerErrors()
    logging.getLogger().addHandler(errors)
    yield errors
    logging.getLogger().removeHandler(errors)


@PROPERTY_SETTINGS
@given(text=texts)
async def test_any_text_gets_a_reply(ann: Baker, handler_errors: HandlerErrors, text: str) -> None:
    ann.emulator.drain(ann.id)
    reply = await ann.say(text, timeout=10)
    assert reply.text or reply.document or reply.photo
    assert "Traceback" not in reply.text and "went wrong" not in reply.text
    assert not handler_errors.records, handler_errors.records[0].getMessage()


@PROPERTY_SETTINGS
@given(data=payloads)
async def test_any_button_payload_gets_an_answer(
    ann: Baker, handler_errors: HandlerErrors, data: str
) -> None:
    ann.emulator.drain(ann.id)
    own = await ann.say("/help")
    answer = await ann.press_raw(own.message_id, data)
    assert answer is not None
    assert not handler_errors.records, handler_errors.records[0].getMessage()
