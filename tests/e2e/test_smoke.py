async def test_newbake_one_line_and_rise(ann) -> None:
    reply = await ann.say("/newbake Country loaf")
    assert "Started Country loaf" in reply.text
    reply = await ann.say("/rise 40")
    assert "40 %" in reply.text
