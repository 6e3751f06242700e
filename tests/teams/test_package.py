"""`vsa teams package`: a zip Teams accepts, with the app id from the settings."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.teams.cli import app
from adapters.teams.package import PackageError, manifest, package
from tests.conftest import make_settings

APP_ID = "4f1c0d2e-9b8a-4c7d-8e6f-5a4b3c2d1e0f"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_package_has_the_manifest_and_both_icons(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'x.db'}", MICROSOFT_APP_ID=APP_ID)
    written = package(settings, tmp_path, version="1.2.3")
    with zipfile.ZipFile(written) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        content = json.loads(archive.read("manifest.json"))
        assert png_size(archive.read("color.png")) == (192, 192)
        assert png_size(archive.read("outline.png")) == (32, 32)
        outline = archive.read("outline.png")
        assert outline[25] == 6  # RGBA: white on a transparent background

    assert content["manifestVersion"] == "1.17"
    assert content["id"] == APP_ID and content["version"] == "1.2.3"
    (bot,) = content["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    (commands,) = bot["commandLists"]
    titles = [c["title"] for c in commands["commands"]]
    assert titles == ["qualify", "new engagement", "status", "help"]
    assert len(content["name"]["short"]) <= 30
    assert len(content["description"]["short"]) <= 80
    assert all(
        content["developer"][k].startswith("https://")
        for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl")
    )


def test_no_app_id_no_package(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(PackageError, match="MICROSOFT_APP_ID is empty"):
        package(settings, tmp_path)
    with pytest.raises(PackageError, match="not a Microsoft App ID"):
        manifest(make_settings("sqlite://", MICROSOFT_APP_ID="my-bot"))
    assert list(tmp_path.glob("*.zip")) == []


def test_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    runner = CliRunner()
    monkeypatch.setenv("MICROSOFT_APP_ID", "")
    failed = runner.invoke(app, ["package", "--output", str(tmp_path)])
    assert failed.exit_code == 1
    assert "MICROSOFT_APP_ID is empty" in failed.output

    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    done = runner.invoke(
        app,
        ["package", "-o", str(tmp_path / "app.zip"), "--website-url", "https://vsa.example.org"],
    )
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(tmp_path / "app.zip") as archive:
        developer = json.loads(archive.read("manifest.json"))["developer"]
    assert developer["websiteUrl"] == developer["privacyUrl"] == "https://vsa.example.org"


def test_a_new_folder_is_made(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'x.db'}", MICROSOFT_APP_ID=APP_ID)
    written = package(settings, tmp_path / "out" / "teams")
    assert written == tmp_path / "out" / "teams" / "value-stream-assistant-teams.zip"
    assert zipfile.is_zipfile(written)
