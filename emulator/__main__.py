"""Serve the emulator on its own: ``python -m emulator [--host H] [--port P] [--token T]``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import DEFAULT_TOKEN, BotAPIEmulator


async def serve(host: str, port: int, token: str) -> None:
    async with BotAPIEmulator(token, host, port) as emulator:
        print(f"Bot API emulator on {emulator.base_url} (token {emulator.token})", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.token))


if __name__ == "__main__":
    main()
