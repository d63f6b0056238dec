"""Helpers for the UI tests: a served app on a free loopback port, and a chromium page that talks to it."""

from __future__ import annotations

import socket
import time
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SHIPPED_READER = Path(__file__).resolve().parent.parent / "qa" / "models" / "reader" / "config.json"

LOOPBACK = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(demo, **launch_options):
    """``demo`` served in this process (its own threads) until the block ends; yields its URL."""
    from qa.ui.app import launch

    port = free_port()
    launch(demo, host="127.0.0.1", port=port, block=False, **launch_options)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close()


class ChatPage:
    """The chat page in a browser tab; every request that leaves the loopback is blocked and noted."""

    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url
        self.outside: list[str] = []
        self.last_reply = 0  # index of the last reply's first bot message
        page.route("**/*", self._only_loopback)

    def _only_loopback(self, route):
        if route.request.url.startswith(LOOPBACK):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, timeout_s: float = 120) -> "ChatPage":
        self.page.goto(self.url)
        self.page.locator("#qa-status").get_by_text("Reader:").wait_for(timeout=timeout_s * 1000)
        return self

    @property
    def chat(self):
        return self.page.locator("#qa-chat")

    def bot_messages(self):
        return self.chat.locator("[data-testid=bot]")

    def ask(self, question: str, timeout_s: float = 120) -> str:
        """Ask through the textbox; returns the text of the reply's first message once it is complete."""
        before = self.bot_messages().count()
        box = self.page.locator("#qa-question textarea")
        box.fill(question)
        box.press("Enter")
        self.page.wait_for_function(
            """(before) => {
                const chat = document.querySelector('#qa-chat');
                const bots = chat.querySelectorAll('[data-testid=bot]');
                return bots.length > before + 1 && !chat.innerText.includes('Retrieving passages');
            }""",
            arg=before, timeout=timeout_s * 1000,
        )
        self.last_reply = before
        return self.bot_messages().nth(before).inner_text()

    def reply_text(self) -> str:
        """All of the chat's text (open collapsibles included)."""
        return self.chat.inner_text()

    def open_last(self, title: str) -> None:
        """Open the last collapsible message with this title ("Sources", "Supporting paragraph")."""
        self.chat.get_by_text(title, exact=True).last.click()

    def set_number(self, elem_id: str, value: float) -> None:
        """Set a slider through its number box, as a user typing a value would."""
        box = self.page.locator(f"#{elem_id} input[type=number]")
        box.fill(str(value))
        box.press("Enter")
        box.blur()
        time.sleep(0.3)

    def upload(self, path: Path, expect: str, timeout_s: float = 120) -> str:
        """Upload a file and wait until ``expect`` shows in the documents panel; returns the panel's text."""
        self.page.locator("#qa-upload input[type=file]").set_input_files(str(path))
        panel = self.page.locator("#qa-session")
        panel.get_by_text(expect).wait_for(timeout=timeout_s * 1000)
        return panel.inner_text()

    def screenshot(self, name: str) -> Path:
        """A screenshot of the page with the last reply scrolled into view, under tests/artifacts/."""
        ARTIFACTS.mkdir(exist_ok=True)
        time.sleep(0.8)  # let collapsibles finish sliding open
        if self.bot_messages().count():
            self.bot_messages().nth(self.last_reply).evaluate("e => e.scrollIntoView({block: 'start'})")
            self.page.evaluate("window.scrollTo(0, 0)")
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path


def highlighted_pixels(png: bytes) -> int:
    """How many pixels of a rendered page have the answer's yellow (see qa.ui.pages.ANSWER_FILL)."""
    import io

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((r > 240) & (g > 200) & (g < 235) & (b < 150)).sum())
