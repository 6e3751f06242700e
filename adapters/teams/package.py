"""`vsa teams package`: the Teams app package an admin uploads (manifest + two icons).

The manifest follows the Teams app manifest schema 1.17: the bot is the Azure Bot
registration's Microsoft App ID, in personal chats, teams and group chats, with the
commands people see when they type to it.
"""

from __future__ import annotations

import json
import string
import uuid
import zipfile
from dataclasses import dataclass
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any

from adapters.teams import texts
from assistant.settings import Settings

PACKAGE_NAME = "value-stream-assistant-teams.zip"
PROJECT_URL = "https://github.com/value-stream-assistant/value-stream-assistant"
ICONS = ("color.png", "outline.png")
SCOPES = ("personal", "team", "groupChat")


class PackageError(ValueError):
    """The package can't be built from these settings (the message says what to set)."""


@dataclass(frozen=True)
class Publisher:
    """Who publishes the app, as Teams shows it on the app's details page."""

    name: str = "Value Stream Assistant contributors"
    website_url: str = PROJECT_URL
    privacy_url: str = PROJECT_URL
    terms_url: str = PROJECT_URL


def _assets() -> Any:
    return files("adapters.teams") / "assets"


def _version() -> str:
    try:
        version = metadata.version("value-stream-assistant")
    except metadata.PackageNotFoundError:
        return "1.0.0"
    # Teams wants major.minor.patch, numbers only.
    numbers = [part for part in version.split("+")[0].split(".")[:3] if part.isdigit()]
    return ".".join([*numbers, "0", "0", "0"][:3])


def _fill(node: Any, values: dict[str, str]) -> Any:
    """Substitute ``${name}`` inside the parsed template's strings (never in JSON text)."""
    if isinstance(node, str):
        return string.Template(node).substitute(values)
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    return node


def manifest(
    settings: Settings, publisher: Publisher | None = None, version: str | None = None
) -> dict[str, Any]:
    """The manifest.json for this bot."""
    app_id = settings.MICROSOFT_APP_ID.strip()
    if not app_id:
        raise PackageError(
            "MICROSOFT_APP_ID is empty: set it to the Microsoft App ID of your Azure Bot "
            "registration (Azure portal > your bot > Configuration), then package again."
        )
    try:
        uuid.UUID(app_id)
    except ValueError:
        raise PackageError(
            f"MICROSOFT_APP_ID {app_id!r} is not a Microsoft App ID (a GUID such as "
            "00000000-0000-0000-0000-000000000000)."
        ) from None
    publisher = publisher or Publisher()
    for url in (publisher.website_url, publisher.privacy_url, publisher.terms_url):
        if not url.startswith("https://"):
            raise PackageError(f"Teams needs https URLs for the publisher, not {url!r}")
    template = json.loads((_assets() / "manifest.template.json").read_text(encoding="utf-8"))
    filled: dict[str, Any] = _fill(
        template,
        {
            "app_id": app_id,
            "version": version or _version(),
            "developer_name": publisher.name,
            "website_url": publisher.website_url,
            "privacy_url": publisher.privacy_url,
            "terms_url": publisher.terms_url,
            "short_name": texts.APP_NAME[:30],
            "full_name": texts.APP_NAME,
            "short_description": texts.SHORT_DESCRIPTION,
            "full_description": texts.FULL_DESCRIPTION,
        },
    )
    commands = [
        {"title": title, "description": description} for title, description in texts.COMMANDS
    ]
    filled["bots"][0]["commandLists"] = [{"scopes": list(SCOPES), "commands": commands}]
    return filled


def package(
    settings: Settings,
    output: Path,
    *,
    publisher: Publisher | None = None,
    version: str | None = None,
) -> Path:
    """Write the app package (a zip: manifest.json, color.png, outline.png) and return its path.

    ``output`` is the zip to write (``*.zip``), or a folder to write it into.
    """
    content = manifest(settings, publisher, version)
    if output.suffix.lower() == ".zip" and not output.is_dir():
        target = output
    else:  # a folder, made if need be
        target = output / PACKAGE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # Teams expects the three files at the root of the zip, not in a folder.
        archive.writestr("manifest.json", json.dumps(content, indent=2, ensure_ascii=False) + "\n")
        for icon in ICONS:
            archive.writestr(icon, (_assets() / icon).read_bytes())
    return target
