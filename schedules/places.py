"""Timezones by the name of a place: a city ("new york", "Toronto", "München", "Moskau",
"москва") or a country ("Deutschland", "UK"), in English, German or Russian, in any case, with
or without accents.

The names come from the zone database (the city in each zone's name: America/New_York is
"New York"), from Babel's CLDR data (each zone's city and each country's name in English, German
and Russian; a country's zones) and from a small table of big cities that have no zone of their
own (Munich keeps Berlin's time). A name that fits zones which keep different time (Portland,
Oregon and Portland, Maine; Russia) gives each of them, one per distinct time, west to east;
zones that keep the same time (Germany's Berlin and Büsingen) count once.

Pure: reads the zone database and Babel's data, once, at the first lookup (nothing at import).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

LANGUAGES = ("en", "de", "ru")
_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian"}
    | {"Pacific"}
)
MAX_PLACE_CHARS = 60
# Old zone names that name a direction, not a place (Australia/North), besides abbreviations (NSW).
_NOT_PLACES = frozenset({"North", "South", "East", "West"})

# Big cities without a zone of their own, and other names people give their place, in English,
# German and Russian: zone → names. A name under two zones (Portland) is asked about.
_PLACES: dict[str, tuple[str, ...]] = {
    "Europe/Berlin": (
        "München", "Munich", "Мюнхен", "Hamburg", "Гамбург", "Köln", "Cologne", "Кёльн",
        "Frankfurt", "Frankfurt am Main", "Франкфурт", "Stuttgart", "Штутгарт",
        "Düsseldorf", "Дюссельдорф", "Leipzig", "Лейпциг", "Dresden", "Дрезден",
        "Nürnberg", "Nuremberg", "Нюрнберг", "Hannover", "Hanover", "Ганновер", "Bremen", "Бремен",
    ),
    "Europe/Zurich": ("Genf", "Geneva", "Genève", "Женева", "Basel", "Базель", "Bern", "Берн"),
    "Europe/Vienna": ("Salzburg", "Зальцбург", "Graz", "Грац", "Innsbruck", "Инсбрук"),
    "Europe/London": (
        "Manchester", "Манчестер", "Birmingham", "Бирмингем", "Liverpool", "Ливерпуль",
        "Edinburgh", "Эдинбург", "Glasgow", "Глазго", "Leeds", "Bristol", "Бристоль", "Cardiff",
    ),
    "Europe/Moscow": (
        "St. Petersburg", "Sankt Petersburg", "Санкт-Петербург", "Петербург", "Питер",
        "Kazan", "Kasan", "Казань", "Nizhny Novgorod", "Nischni Nowgorod", "Нижний Новгород",
        "Sochi", "Sotschi", "Сочи", "Rostov-on-Don", "Rostow am Don", "Ростов-на-Дону",
        "Voronezh", "Woronesch", "Воронеж", "Krasnodar", "Краснодар",
    ),
    "Asia/Yekaterinburg": ("Perm", "Пермь", "Chelyabinsk", "Tscheljabinsk", "Челябинск", "Ufa", "Уфа"),
    "Europe/Kyiv": ("Lviv", "Lwiw", "Львов", "Odesa", "Odessa", "Одесса", "Kharkiv", "Charkiw", "Харьков"),
    "Europe/Paris": (
        "Lyon", "Лион", "Marseille", "Marseilles", "Марсель", "Nice", "Nizza", "Ницца", "Toulouse",
    ),
    "Europe/Rome": (
        "Milan", "Mailand", "Милан", "Florence", "Florenz", "Флоренция", "Naples", "Neapel", "Неаполь",
        "Venice", "Venedig", "Венеция",
    ),
    "Europe/Madrid": ("Barcelona", "Барселона", "Valencia", "Валенсия", "Seville", "Sevilla", "Севилья"),
    "Europe/Amsterdam": ("Rotterdam", "Роттердам", "The Hague", "Den Haag", "Гаага", "Utrecht"),
    "Europe/Warsaw": (
        "Kraków", "Krakow", "Krakau", "Краков", "Wrocław", "Breslau", "Вроцлав", "Gdańsk", "Danzig",
    ),
    "Europe/Istanbul": ("Ankara", "Анкара", "Izmir", "Измир", "Antalya", "Анталья"),
    "America/New_York": (
        "Boston", "Бостон", "Philadelphia", "Филадельфия", "Washington", "Washington DC",
        "Вашингтон", "Atlanta", "Атланта", "Miami", "Майами", "Portland",
    ),
    "America/Chicago": (
        "Houston", "Хьюстон", "Dallas", "Даллас", "Austin", "Остин", "San Antonio",
        "Minneapolis", "Миннеаполис", "New Orleans", "Новый Орлеан",
    ),
    "America/Denver": ("Salt Lake City", "Солт-Лейк-Сити", "Albuquerque"),
    "America/Los_Angeles": (
        "San Francisco", "Сан-Франциско", "San Diego", "Сан-Диего", "Seattle", "Сиэтл",
        "Las Vegas", "Лас-Вегас", "San Jose", "Sacramento", "Portland",
    ),
    "America/Toronto": ("Ottawa", "Оттава", "Montreal", "Montréal", "Монреаль"),
    "America/Edmonton": ("Calgary", "Калгари"),
    "Asia/Kolkata": (
        "Mumbai", "Bombay", "Мумбаи", "Delhi", "New Delhi", "Neu-Delhi", "Дели", "Нью-Дели",
        "Bangalore", "Bengaluru", "Бангалор", "Chennai", "Ченнаи", "Hyderabad", "Хайдарабад",
    ),
    "Asia/Shanghai": (
        "Beijing", "Peking", "Пекин", "Shenzhen", "Шэньчжэнь", "Guangzhou", "Kanton", "Гуанчжоу",
    ),
    "Asia/Tokyo": ("Osaka", "Осака", "Kyoto", "Киото", "Yokohama", "Иокогама"),
    "Asia/Seoul": ("Busan", "Пусан"),
    "Asia/Jerusalem": ("Tel Aviv", "Тель-Авив", "Haifa", "Хайфа"),
    "Asia/Almaty": ("Astana", "Астана", "Alma-Ata", "Алма-Ата"),
    "Asia/Ho_Chi_Minh": ("Hanoi", "Ханой"),
    "Africa/Cairo": ("Alexandria", "Александрия"),
    "America/Sao_Paulo": ("Rio de Janeiro", "Рио-де-Жанейро", "Brasília", "Brasilia", "Бразилиа"),
    "Australia/Sydney": ("Canberra", "Канберра"),
    "Australia/Brisbane": ("Gold Coast",),
    "Pacific/Auckland": ("Wellington", "Веллингтон"),
}

# Other names of countries: ISO code → names (each of the country's zones).
_COUNTRIES: dict[str, tuple[str, ...]] = {
    "GB": (
        "UK", "U.K.", "England", "Англия", "Scotland", "Schottland", "Шотландия", "Wales", "Уэльс",
        "Britain", "Great Britain", "Großbritannien", "Британия", "Англия",
    ),
    "US": ("USA", "U.S.A.", "US", "U.S.", "США", "Америка", "Amerika"),
    "RU": ("РФ", "Russian Federation"),
    "NL": ("Holland", "Голландия"),
    "DE": ("BRD", "ФРГ"),
}


@dataclass(frozen=True)
class ZonePlace:
    """What a button for a zone says: its city and country (in a language) and its UTC offset."""

    zone: str
    city: str
    country: str | None
    offset_minutes: int


def fold(text: str) -> str:
    """A name as it is matched: lower case, accents and apostrophes dropped, any other mark a
    space, "St." read as "Saint": "Saint-Étienne" and "st etienne" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"['’ʼ`´]", "", plain)
    words = re.sub(r"[\W_]+", " ", plain).split()
    return " ".join("saint" if word == "st" else word for word in words)


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _keys(name: str) -> set[str]:
    """The folded forms of a name: "München" is also "Muenchen"."""
    return {key for key in (fold(name), fold(name.translate(_UMLAUTS))) if key}


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _aliases() -> dict[str, str]:
    from babel.core import get_global

    return dict(get_global("zone_aliases"))


def canonical(zone: str) -> str:
    """The zone's current name: Europe/Kiev is Europe/Kyiv, US/Eastern is America/New_York."""
    current = _aliases().get(zone)
    return current if current is not None and current in _zones() else zone


def _index() -> dict[str, frozenset[str]]:
    """Every known name (folded) → the zones it names."""
    return _names()[0]


@cache
def _names() -> tuple[dict[str, frozenset[str]], dict[str, int]]:
    """The index of names, and how well known each zone is as a place: how many names of a city
    it has (its city in each language, and the big cities that keep its time; not old zone
    names nor countries). Madrid has more than Ceuta, Sydney more than Hobart."""
    from babel import Locale
    from babel.core import get_global

    found: dict[str, set[str]] = defaultdict(set)
    renown: dict[str, set[str]] = defaultdict(set)
    zones = _zones()

    def add(name: str, zone: str, *, city: bool = True) -> None:
        current = canonical(zone)
        if current in zones:
            for key in _keys(name):
                found[key].add(current)
                if city and current == zone:
                    renown[current].add(key)

    for zone in zones:
        area, _, rest = zone.partition("/")
        city = rest.rsplit("/", 1)[-1]
        if area in _AREAS and city and not city.isupper() and city not in _NOT_PLACES:
            add(city.replace("_", " "), zone)
    territory_zones: Mapping[str, list[str]] = get_global("territory_zones")
    for language in LANGUAGES:
        locale = Locale.parse(language)
        for zone, names in locale.time_zones.items():
            city = names.get("city")
            if city:
                add(city, zone)
        for code, country_zones in territory_zones.items():
            country = locale.territories.get(code)
            if country:
                for zone in country_zones:
                    add(country, zone, city=False)
    for zone, names in _PLACES.items():
        for name in names:
            add(name, zone)
    for code, names in _COUNTRIES.items():
        for zone in territory_zones.get(code, ()):
            for name in names:
                add(name, zone, city=False)
    index = {key: frozenset(value) for key, value in found.items()}
    return index, {zone: len(keys) for zone, keys in renown.items()}


# When two zones keep the same time: their UTC offsets on these days (four a month, two years).
_SAMPLES = tuple(
    datetime(year, month, day, 12, tzinfo=UTC)
    for year in (2026, 2027)
    for month in range(1, 13)
    for day in (1, 8, 15, 22)
)


@lru_cache(maxsize=1024)
def _behaviour(zone: str) -> tuple[int, ...]:
    info = ZoneInfo(zone)
    return tuple(int(moment.astimezone(info).utcoffset().total_seconds()) for moment in _SAMPLES)  # type: ignore[union-attr]


@cache
def _golden() -> frozenset[str]:
    """The zone CLDR names for each of Windows' timezones: the main one of each kind of time
    (America/New_York for the US East)."""
    from babel.core import get_global

    return frozenset(canonical(zone) for zone in get_global("windows_zone_mapping").values())


def _preference(zone: str) -> tuple[int, int, int, str]:
    return (-_names()[1].get(zone, 0), 0 if zone in _golden() else 1, zone.count("/"), zone)


def distinct(zones: Iterable[str]) -> tuple[str, ...]:
    """One zone for each distinct time among `zones` (the main one when several keep it), west
    to east."""
    groups: dict[tuple[int, ...], list[str]] = defaultdict(list)
    for zone in zones:
        groups[_behaviour(zone)].append(zone)
    chosen = [min(group, key=_preference) for group in groups.values()]
    return tuple(sorted(chosen, key=lambda zone: (min(_behaviour(zone)), _behaviour(zone), zone)))


def find_zones(text: str) -> tuple[str, ...]:
    """The zones a place's name means: one for a city or a country with one time, several for a
    name that fits zones keeping different times, () for a name not known. "City, country"
    narrows the city to that country ("Portland, USA" still gives two)."""
    if len(text) > MAX_PLACE_CHARS:
        return ()
    index = _index()
    zones = index.get(fold(text))
    if zones is None and "," in text:
        place, _, where = text.partition(",")
        zones = index.get(fold(place))
        within = index.get(fold(where))
        if zones and within and zones & within:
            zones = zones & within
    return distinct(zones) if zones else ()


def describe(zone: str, language: str, now: datetime) -> ZonePlace:
    """A zone's city and country in `language` (a Babel locale such as "de" or "en_GB") and its
    UTC offset at `now`."""
    from babel import Locale
    from babel.core import get_global
    from babel.dates import get_timezone_location

    locale = Locale.parse(language)
    city = get_timezone_location(zone, locale=locale, return_city=True)
    code = get_global("zone_territories").get(zone)
    country = locale.territories.get(code) if code else None
    offset = now.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    return ZonePlace(zone, city, country, minutes)
