"""The kiosk's browser test's helpers: servers on real ports, and the resident's side
(taps counted from home, every page checked with axe-core and photographed)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from playwright.async_api import Locator, Page, expect
from starlette.applications import Starlette

from tests.browser.conftest import artifact


class Served:
    """An ASGI app on a real port, which a test can stop while others keep running."""

    def __init__(self, app: Starlette, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, port=port, log_level="warning", lifespan="on")
        )
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.server.should_exit = True
            await self.task


@asynccontextmanager
async def served(app: Starlette, port: int) -> AsyncIterator[Served]:
    server = Served(app, port)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


class Resident:
    """The browser side: taps counted from home, pages checked and photographed."""

    def __init__(self, page: Page, axe: str, backend: str) -> None:
        self.page = page
        self.axe = axe
        self.backend = backend
        self.taps = 0
        self.violations: dict[str, list[str]] = {}

    async def tap(self, target: Locator) -> None:
        self.taps += 1
        await target.click()

    async def home(self) -> None:
        await self.page.get_by_role("button", name="首页", exact=True).click()
        await expect(self.page.locator(".home")).to_be_visible()
        self.taps = 0

    async def check(self, name: str) -> None:
        """axe-core on the page as it is (serious and critical violations are failures),
        and a full-page screenshot for a person to look at."""
        if not await self.page.evaluate("typeof window.axe !== 'undefined'"):
            await self.page.evaluate(self.axe)
        results = await self.page.evaluate(
            """async () => {
              const r = await axe.run(document);
              return {passes: r.passes.length, violations: r.violations.map(v => (
                {id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" "))}))};
            }"""
        )
        assert results["passes"] > 10  # axe ran its rules on this page
        bad = [
            f"{v['id']} {v['nodes'][:3]}"
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            self.violations[name] = bad
        await self.page.screenshot(
            path=artifact(f"kiosk-{name}-{self.backend}.png"), full_page=True
        )
