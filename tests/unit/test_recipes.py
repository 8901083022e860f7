"""Pure tests of scaling, the levain build and the parsing behind /scale, /recipe, /feed, /levain
and /starter; plus the callback data of the new buttons staying within Telegram's 64 bytes."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot import keyboards as kb
from schedules import fermentation as model
from schedules.parsing import ParseError
from schedules.recipe import (
    LEVAIN_RATIOS,
    MAX_DOUGH_G,
    MIN_FLOUR_G,
    LevainTooSoon,
    Recipe,
    ScaleRefused,
    ScaleSpec,
    bakers_percentages,
    dough_weight,
    plan_levain,
    scale_recipe,
    scale_to,
)
from schedules.recipe_parsing import (
    FeedInput,
    RecipeEdit,
    StarterCommand,
    parse_feed,
    parse_levain,
    parse_recipe_edit,
    parse_scale,
    parse_starter_command,
)

# ---------------------------------------------------------------- scaling

recipes = st.builds(
    lambda flour, hydration, inoculation, salt: Recipe(
        round(flour, 1),
        round(flour * hydration, 1),
        None if inoculation is None else round(flour * inoculation, 1),
        None if salt is None else round(flour * salt, 1),
    ),
    st.floats(20, 20_000),
    st.floats(0.5, 1.2),
    st.none() | st.floats(0.01, 0.5),
    st.none() | st.floats(0.005, 0.04),
)


def pct(amount: float | None, flour: float) -> float | None:
    return None if amount is None else amount / flour * 100


@given(recipes, st.floats(0.05, 20))
def test_scaling_keeps_the_bakers_percentages_within_rounding(recipe: Recipe, factor: float) -> None:
    try:
        scaled = scale_recipe(recipe, factor)
    except ScaleRefused as exc:
        expected = recipe.flour_g * factor
        too_small = exc.reason == "scale_too_small" and expected < MIN_FLOUR_G + 3
        assert too_small or exc.reason == "scale_too_large"
        return
    flour = scaled.flour_g
    assert flour >= MIN_FLOUR_G and dough_weight(scaled) <= MAX_DOUGH_G
    # Whole grams; flour to 5 g from 200 g up, within half the step of the exact amount.
    amounts = (scaled.flour_g, scaled.water_g, scaled.starter_g, scaled.salt_g)
    assert all(a is None or a == int(a) for a in amounts)
    step = 5 if flour >= 200 else 1
    assert flour % step == 0
    assert abs(flour - recipe.flour_g * factor) <= step / 2 + 1e-6
    # Every other amount is its percentage of that flour, to the gram: the percentage moves by at
    # most half a gram's worth of the new flour.
    for before, after in (
        (recipe.water_g, scaled.water_g),
        (recipe.starter_g, scaled.starter_g),
        (recipe.salt_g, scaled.salt_g),
    ):
        assert (before is None) == (after is None)
        if before is not None and after is not None:
            old, new = pct(before, recipe.flour_g), pct(after, flour)
            assert old is not None and new is not None
            assert abs(new - old) <= 0.5 / flour * 100 + 1e-9


@given(recipes, st.floats(500, 20_000))
def test_scaling_to_a_dough_weight_gets_within_a_few_grams(recipe: Recipe, total: float) -> None:
    try:
        scaled, factor = scale_to(recipe, ScaleSpec(total_g=total))
    except ScaleRefused:
        return
    assert factor == pytest.approx(total / dough_weight(recipe))
    ratio = dough_weight(recipe) / recipe.flour_g  # grams of dough per gram of flour
    step = 5 if scaled.flour_g >= 200 else 1
    assert abs(dough_weight(scaled) - total) <= step / 2 * ratio + 1.5


def test_scale_examples() -> None:
    country = Recipe(500, 375, 100, 10)
    assert scale_recipe(country, 2) == Recipe(1000, 750, 200, 20)
    assert scale_to(country, ScaleSpec(total_g=1800))[0] == Recipe(915, 686, 183, 18)
    assert scale_to(country, ScaleSpec(loaves=3, loaf_g=900))[0] == Recipe(1370, 1028, 274, 27)
    assert scale_recipe(Recipe(100, 70), 0.5) == Recipe(50, 35, None, None)
    assert bakers_percentages(scale_recipe(country, 3)).hydration_pct == 75.0
    with pytest.raises(ScaleRefused, match="scale_too_small"):
        scale_recipe(country, 0.01)
    with pytest.raises(ScaleRefused, match="scale_too_large"):
        scale_recipe(country, 200)
    with pytest.raises(ScaleRefused, match="scale_factor"):
        scale_recipe(country, 0)


@pytest.mark.parametrize(
    ("text", "spec", "name"),
    [
        ("2", ScaleSpec(factor=2), ""),
        ("x1.5", ScaleSpec(factor=1.5), ""),
        ("0,5", ScaleSpec(factor=0.5), ""),
        ("2x", ScaleSpec(factor=2), ""),
        ("1800g", ScaleSpec(total_g=1800), ""),
        ("1.8 kg", ScaleSpec(total_g=1800), ""),
        ("3x900g", ScaleSpec(loaves=3, loaf_g=900), ""),
        ("3 × 900 g", ScaleSpec(loaves=3, loaf_g=900), ""),
        ("2 Country Loaf", ScaleSpec(factor=2), "Country Loaf"),
        ("1800g  rye  bread", ScaleSpec(total_g=1800), "rye bread"),
    ],
)
def test_parse_scale(text: str, spec: ScaleSpec, name: str) -> None:
    assert parse_scale(text) == (spec, name)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "scale_format"),
        ("abc", "scale_format"),
        ("double", "scale_format"),
        ("2xl", "scale_format"),
        ("3x900", "scale_format"),
        ("0", "scale_range"),
        ("-2", "scale_range"),
        ("−2", "scale_range"),
        ("21", "scale_range"),
        ("0.01", "scale_range"),
        ("10g", "scale_range"),
        ("101kg", "scale_range"),
        ("0x900g", "scale_range"),
        ("51x900g", "scale_range"),
        ("2x20kg", "scale_range"),
        ("12x9kg", "scale_range"),
        ("99999999999999", "scale_format"),
    ],
)
def test_parse_scale_refuses(text: str, reason: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_scale(text)
    assert refused.value.reason == reason


@given(st.text(max_size=80))
def test_parse_scale_takes_any_text(text: str) -> None:
    try:
        spec, _ = parse_scale(text)
    except ParseError as exc:
        assert exc.reason in ("scale_format", "scale_range")
        return
    assert spec.target_total(1000) > 0


# ---------------------------------------------------------------- the levain build

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def book(ratio: float) -> float:
    return model.starter_peak_hours(1, ratio, ratio, temp_c=23.0).peak_hours


@given(st.floats(5, 2000), st.floats(0, 30), st.floats(0.5, 2.0))
def test_the_levain_peaks_at_the_mixing_time(needed: float, hours: float, pace: float) -> None:
    mix_at = NOW + timedelta(hours=hours)

    def peak(ratio: float) -> float:
        return book(ratio) * pace

    try:
        plan = plan_levain(needed, mix_at, NOW, peak)
    except LevainTooSoon as exc:
        assert exc.fastest_hours == pytest.approx(peak(1.0)) and peak(1.0) > hours
        return
    assert plan.peak_at == mix_at and NOW <= plan.feed_at < mix_at
    assert plan.feed_at == mix_at - timedelta(hours=peak(plan.ratio))
    # The most diluted feed that still peaks in time.
    later = [r for r in LEVAIN_RATIOS if r > plan.ratio]
    assert all(peak(r) > hours for r in later)
    # Enough levain, in whole grams, at the ratio (within rounding of the seed).
    assert plan.built_g >= needed
    assert plan.seed_g == int(plan.seed_g) >= 1 and plan.flour_g == plan.water_g == int(plan.flour_g)
    assert abs(plan.flour_g - plan.seed_g * plan.ratio) <= 0.5
    # ... and not much more than the recipe needs plus its margin (one seed gram's worth at most).
    assert plan.built_g <= math.ceil(needed * 1.2) + (1 + 2 * plan.ratio) + 1


def test_levain_example() -> None:
    plan = plan_levain(100, NOW + timedelta(hours=10), NOW, book)
    assert (plan.seed_g, plan.flour_g, plan.water_g, plan.ratio) == (14, 56, 56, 4.0)
    assert plan.built_g == 126 and plan.feed_at == NOW + timedelta(hours=10 - book(4.0))
    with pytest.raises(LevainTooSoon):
        plan_levain(100, NOW + timedelta(hours=2), NOW, book)


# ---------------------------------------------------------------- recipes, feeds, levain, starters typed


def test_parse_recipe_edit() -> None:
    assert parse_recipe_edit("500 375 100 10").recipe == Recipe(500, 375, 100, 10)
    edit = parse_recipe_edit("flour 500 water 75% starter 20% salt 2% mix: 80% bread flour, 20% rye")
    assert edit.recipe == Recipe(500, 375, 100, 10) and edit.flour_mix == "80% bread flour, 20% rye"
    assert parse_recipe_edit("500g flour, 72,5% water").recipe == Recipe(500, 362.5, None, None)
    assert parse_recipe_edit("1kg flour 700g water").recipe == Recipe(1000, 700, None, None)
    assert parse_recipe_edit("Flour mix: 100% whole wheat") == type(edit)(None, "100% whole wheat")
    for bad, reason in (
        ("", "recipe_format"),
        ("lots of flour", "recipe_format"),
        ("water 75% salt 2%", "recipe_no_flour"),
        ("flour 50% water 70%", "recipe_no_flour"),
        ("flour 500 sugar 10%", "recipe_format"),
        ("flour 500 water 5000%", "recipe_too_large"),
        ("mix " + "x" * 300, "recipe_format"),
        ("500 375 mix: " + "x" * 250, "mix_long"),
    ):
        with pytest.raises(ParseError) as refused:
            parse_recipe_edit(bad)
        assert refused.value.reason == reason, bad


def test_parse_feed() -> None:
    assert parse_feed("1:2:2") == type(parse_feed("1:2:2"))((1, 2, 2), None)
    assert parse_feed("1:5 26C").ratio == (1, 5, 5) and parse_feed("1:5 26C").temp_c == 26
    grams = parse_feed("20g starter 100g flour 100g water")
    assert (grams.ratio, grams.temp_c, grams.grams) == ((20, 100, 100), None, True)
    assert parse_feed("starter 20 flour 100 water 100 75F", default_unit="F").temp_c == pytest.approx(23.89)
    assert parse_feed("0.02kg seed 100g flour 100g water").ratio == (20, 100, 100)
    for bad, reason in (
        ("", "feed_format"),
        ("abc", "feed_format"),
        ("20g starter 100g flour", "feed_format"),
        ("20g starter 100g flour 100g water 26C extra", "feed_format"),
        ("0g starter 100g flour 100g water", "feed_grams_range"),
        ("20g starter 100g flour 20kg water", "feed_grams_range"),
        ("1:2:2 99C", "temp_range"),
    ):
        with pytest.raises(ParseError) as refused:
            parse_feed(bad)
        assert refused.value.reason == reason, bad


def test_parse_levain() -> None:
    found = parse_levain("100g 7:30 Country loaf")
    assert (found.mix_at, found.needed_g, found.name) == (time(7, 30), 100, "Country loaf")
    assert parse_levain("12:00").needed_g is None and parse_levain("12.15").mix_at == time(12, 15)
    for bad, reason in (("", "levain_format"), ("noon", "levain_format"), ("25:00", "levain_format"),
                        ("1g 12:00", "levain_range")):  # fmt: skip
        with pytest.raises(ParseError) as refused:
            parse_levain(bad)
        assert refused.value.reason == reason, bad


def test_parse_starter_command() -> None:
    assert parse_starter_command("").action == ""
    assert parse_starter_command("new  Rye   sour").name == "Rye sour"
    renamed = parse_starter_command("rename Rye -> Dark rye")
    assert (renamed.action, renamed.name, renamed.new_name) == ("rename", "Rye", "Dark rye")
    assert parse_starter_command("rename Dark rye").new_name == "Dark rye"
    assert parse_starter_command("ARCHIVE Rye").action == "archive"
    assert parse_starter_command("peaked").name == ""
    refused_ones = (
        ("bake", "starter_format"),
        ("new", "name_empty"),
        ("new " + "x" * 41, "starter_name_long"),
    )
    for bad, reason in refused_ones:
        with pytest.raises(ParseError) as refused:
            parse_starter_command(bad)
        assert refused.value.reason == reason, bad


# ---------------------------------------------------------------- buttons within 64 bytes

BIG = 2**63 - 1


def test_the_largest_callback_data_fits_telegrams_64_bytes() -> None:
    packed = [
        kb.DraftCb(
            action=kb.DraftAction.AMOUNTS, source=kb.DraftSource.RECIPE, ref_id=BIG,
            flour=1_000_000, water=1_000_000, starter=1_000_000, salt=1_000_000,
        ).pack(),
        kb.FeedCb(starter_id=BIG, s=1_000_000, f=1_000_000, w=1_000_000, t=400, g=True).pack(),
        kb.PhotoCb(photo_id=BIG, bake_id=BIG).pack(),
        kb.SharedCb(action=kb.SharedAction.START, code="A" * 16).pack(),
        kb.ShareCb(action=kb.ShareAction.READINGS, share_id=BIG).pack(),
        kb.CardCb(action=kb.CardAction.SAVE_AS_IS, bake_id=BIG).pack(),
        kb.PhotoPageCb(bake_id=BIG, page=100_000).pack(),
        kb.StarterCb(action=kb.StarterAction.ARCHIVE, starter_id=BIG).pack(),
        kb.RecipeCb(action=kb.RecipeAction.DELETE, recipe_id=BIG).pack(),
        kb.PeakCb(feeding_id=BIG).pack(),
    ]  # fmt: skip
    assert max(len(data.encode()) for data in packed) <= 64


@given(st.floats(0, 100_000))
def test_amounts_travel_in_tenths_of_a_gram(grams: float) -> None:
    assume(grams == 0 or grams >= 0.05)
    carried = kb.grams(kb.tenths(grams))
    assert (carried is None) == (round(grams * 10) == 0)
    assert carried is None or abs(carried - grams) <= 0.05 + 1e-9


# ---------------------------------------------------------------- German and Russian words


def test_feed_recipe_and_starter_words_in_german_and_russian() -> None:
    grams = FeedInput((20.0, 100.0, 100.0), None, grams=True)
    assert parse_feed("20g Anstellgut 100g Mehl 100g Wasser") == grams
    assert parse_feed("Anstellgut 20 Mehl 100 Wasser 100") == grams
    assert parse_feed("20 г закваски 100 г муки 100 г воды") == grams
    assert parse_feed("закваска 20 мука 100 вода 100 26").temp_c == 26.0
    with pytest.raises(ParseError):
        parse_feed("Anstellgut 20 Mehl 100 Wasser 100 Salz 5")
    recipe = Recipe(500.0, 375.0, 100.0, 10.0)
    german = parse_recipe_edit("Mehl 500 Wasser 75% Anstellgut 20% Salz 2% Mischung: 80% Weizen, 20% Roggen")
    assert german == RecipeEdit(recipe, "80% Weizen, 20% Roggen")
    russian = parse_recipe_edit("мука 500 вода 75% закваска 20% соль 2% смесь: 80% пшеничная, 20% ржаная")
    assert russian == RecipeEdit(recipe, "80% пшеничная, 20% ржаная")
    assert parse_recipe_edit("Mehlmischung: 80% Weizen") == RecipeEdit(None, "80% Weizen")
    assert parse_recipe_edit("мучная смесь: ржаная") == RecipeEdit(None, "ржаная")
    assert parse_recipe_edit("500 375 100 10 mix: 20% rye") == RecipeEdit(recipe, "20% rye")
    assert parse_scale("1,8 кг") == (ScaleSpec(total_g=1800.0), "")
    assert parse_scale("3х900 г") == (ScaleSpec(loaves=3, loaf_g=900.0), "")
    assert parse_levain("100г 12:00").needed_g == 100.0
    assert parse_starter_command("neu Roggen") == StarterCommand("new", "Roggen")
    assert parse_starter_command("Новая Ржаная") == StarterCommand("new", "Ржаная")
    assert parse_starter_command("umbenennen Roggen in Dunkler Roggen") == StarterCommand(
        "rename", "Roggen", "Dunkler Roggen"
    )
    assert parse_starter_command("переименовать Ржаная в Тёмная ржаная") == StarterCommand(
        "rename", "Ржаная", "Тёмная ржаная"
    )
    # English "to" first: "in" stays in an English name.
    assert parse_starter_command("rename Rye in a jar to Dark").name == "Rye in a jar"
    assert parse_starter_command("archivieren Roggen") == StarterCommand("archive", "Roggen")
    assert parse_starter_command("архив Ржаная") == StarterCommand("archive", "Ржаная")
    assert parse_starter_command("пик").action == "peaked"
