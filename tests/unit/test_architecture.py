"""The layers' arrows point one way (README, "How it is built"). Reads every module's imports:

    bot/ (Telegram) ─→ schedules.services (actions) ─→ schedules (pure domain) ←─ storage/

Only the composition root (bot/app.py, bot/runner.py, bot/__main__.py) wires storage in;
emulator/ knows nothing of the bot, except the sandbox, which composes the two.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM = ("aiogram", "aiohttp")
DATABASE = ("sqlite3", "aiosqlite", "psycopg", "storage")
COMPOSITION_ROOT = {"bot/app.py", "bot/runner.py", "bot/__main__.py"}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def offending(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imports(path) if any(m == f or m.startswith(f + ".") for f in forbidden))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


DOMAIN = [p for p in modules("schedules") if "services" not in p.parts]
SERVICES = modules("schedules/services")


@pytest.mark.parametrize("path", DOMAIN, ids=rel)
def test_the_domain_is_pure(path: Path) -> None:
    forbidden = (*TELEGRAM, *DATABASE, "apscheduler", "bot", "schedules.services", "emulator", "matplotlib")
    assert offending(path, forbidden) == []


@pytest.mark.parametrize("path", SERVICES, ids=rel)
def test_services_know_no_telegram_and_no_sql(path: Path) -> None:
    assert offending(path, (*TELEGRAM, *DATABASE, "bot", "emulator")) == []


@pytest.mark.parametrize("path", modules("storage"), ids=rel)
def test_storage_depends_only_on_the_domain(path: Path) -> None:
    # storage/fsm.py implements aiogram's FSM storage interface on our database, so it alone may
    # name aiogram's storage types; nothing in storage handles updates.
    forbidden = ("bot", "schedules.services", "emulator", "apscheduler")
    if path.name != "fsm.py":
        forbidden = (*forbidden, "aiogram")
    assert offending(path, forbidden) == []


@pytest.mark.parametrize("path", [p for p in modules("bot") if rel(p) not in COMPOSITION_ROOT], ids=rel)
def test_the_telegram_layer_reaches_storage_only_through_services(path: Path) -> None:
    allowed_exports = {"bot/handlers/history.py": ("storage.export", "storage.importer", "storage.database")}
    found = offending(path, ("sqlite3", "aiosqlite", "psycopg", "storage"))
    assert [m for m in found if m not in allowed_exports.get(rel(path), ())] == []


@pytest.mark.parametrize("path", [p for p in modules("emulator") if p.name != "sandbox.py"], ids=rel)
def test_the_emulator_knows_nothing_of_the_bot(path: Path) -> None:
    assert offending(path, ("bot", "schedules", "storage")) == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import sqlite3\nfrom aiogram.types import Message\nfrom . import sibling\n")
    assert offending(sample, (*TELEGRAM, *DATABASE)) == ["aiogram.types", "sqlite3"]
