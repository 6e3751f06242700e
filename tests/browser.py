"""Screenshots of HTML pages in headless Chromium, for tests that look at what a person
would see (the readout, the map embedded in it).

Chromium comes from the system's packages (`.ci/run` installs Debian's `chromium` when
apt is there). Where it is missing, tests marked :data:`requires_chromium` are skipped
with a reason that says so, rather than failing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


requires_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="headless Chromium is not installed (apt-get install chromium; .ci/run does)",
)


class ScreenshotError(RuntimeError):
    pass


def screenshot(
    page: Path, out: Path, *, width: int = 1200, height: int = 1600, timeout: float = 90
) -> Path:
    """A PNG of ``page`` (an HTML file) as headless Chromium shows it in a window of
    ``width`` × ``height``; returns ``out``."""
    chromium = find_chromium()
    if chromium is None:
        raise ScreenshotError("headless Chromium is not installed")
    # A profile of its own: nothing read from or left in the home folder, and runs in
    # parallel do not share (or lock) one.
    with tempfile.TemporaryDirectory(prefix="vsa-chromium-") as profile:
        done = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={out}",
                f"--window-size={width},{height}",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0 or not out.exists():
        raise ScreenshotError(f"chromium exited {done.returncode}: {done.stderr[-2000:]}")
    return out


def screenshot_html(html: str, folder: Path, **size: int) -> Path:
    """Write ``html`` into ``folder`` and screenshot it."""
    page = folder / "page.html"
    page.write_text(html, encoding="utf-8")
    return screenshot(page, folder / "screenshot.png", **size)
