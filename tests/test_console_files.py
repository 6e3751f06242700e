"""`vsa chat` writes pictures and files to a folder and prints where."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from adapters.console import ConsoleAdapter, Style, render, saved_name
from assistant.dispatch import Progress
from assistant.events import ConversationRef, File, Outbound, text
from assistant.vsm_picture import map_image
from tests.vsm_maps import sample_map

HERE = ConversationRef(platform="console", workspace="local", channel="terminal", user="you")


def test_the_map_and_a_readout_are_saved_and_their_paths_printed(tmp_path: Path) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(out, Style(False), "you", files_dir=tmp_path / "files")
    image = asyncio.run(map_image(sample_map(4)))
    readout = File(filename="../../readout <x>.md", title="Readout", content=b"# Acme $5")
    message = Outbound(blocks=(text("Findings"), image, readout))
    asyncio.run(adapter.send(HERE, message, Progress()))

    printed = out.getvalue().splitlines()
    assert printed[0] == "Findings"
    picture = Path(printed[1].split(" saved to ", 1)[1])
    document = Path(printed[2].split(" saved to ", 1)[1])
    assert printed[1].startswith("[picture: Value stream map: Idea to production]")
    assert picture.read_bytes() == image.png and picture.suffix == ".png"
    assert document.read_bytes() == b"# Acme $5"
    # Inside the folder, whatever the file name said.
    assert document.parent == picture.parent == (tmp_path / "files").resolve()
    assert document.name.startswith("readout-x-") and document.suffix == ".md"

    # The same content again: the same file, nothing new written.
    asyncio.run(adapter.send(HERE, message, Progress()))
    assert sorted(p.name for p in (tmp_path / "files").iterdir()) == sorted(
        [picture.name, document.name]
    )


def test_names_carry_a_content_hash() -> None:
    a = File(filename="readout.md", title="R", content=b"one")
    b = File(filename="readout.md", title="R", content=b"two")
    assert saved_name(a) != saved_name(b)
    assert render(Outbound(blocks=(a,))) == "[file: readout.md]"
