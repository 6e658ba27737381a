"""The generated client replaces the previous one in a single rename (scripts/generate.py,
swap_in), staged outside the package: a process importing `dqops.client` while `make generate`
runs finds the old package or the new one, never none."""

from __future__ import annotations

import threading
from pathlib import Path

from scripts import generate

SWAPS = 300


def package(folder: Path, marker: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text(f"MARKER = {marker!r}\n", encoding="utf-8")
    (folder / "models.py").write_text(f"MARKER = {marker!r}\n", encoding="utf-8")
    return folder


def test_swap_in_replaces_the_folder_and_keeps_the_old_one_where_the_new_was(tmp_path: Path) -> None:
    output = package(tmp_path / "dqops" / "client", "old")
    staged = package(tmp_path / ".stage" / "client", "new")
    generate.swap_in(staged, output)
    assert "new" in (output / "__init__.py").read_text(encoding="utf-8")
    assert "old" in (staged / "__init__.py").read_text(encoding="utf-8")
    fresh = tmp_path / "fresh" / "client"
    fresh.parent.mkdir()
    generate.swap_in(staged, fresh)  # nothing there yet: a plain rename
    assert "old" in (fresh / "__init__.py").read_text(encoding="utf-8") and not staged.exists()


def test_a_reader_never_sees_the_client_missing(tmp_path: Path) -> None:
    output = package(tmp_path / "dqops" / "client", "0")
    staged = tmp_path / ".stage" / "client"
    seen: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            if not (output / "__init__.py").is_file():
                seen.append("missing")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for swap in range(1, SWAPS + 1):
            if staged.exists():
                for file in staged.iterdir():
                    file.unlink()
                staged.rmdir()
            package(staged, str(swap))
            generate.swap_in(staged, output)
    finally:
        done.set()
        reader.join()
    assert (output / "__init__.py").read_text(encoding="utf-8") == f"MARKER = '{SWAPS}'\n"
    assert seen == []


def test_generation_stages_beside_the_package(tmp_path: Path, monkeypatch) -> None:
    """The staging folder is a sibling of the package folder, never inside it."""
    staged_at: list[Path] = []

    def stage_only(spec: Path, output: Path, pin: object) -> None:
        staged_at.append(output)
        package(output, "new")

    monkeypatch.setattr(generate, "run_openapi_python_client", stage_only)
    monkeypatch.setattr(generate, "format_package", lambda package: None)
    spec = tmp_path / "cleaned.json"
    spec.write_text('{"openapi": "3.0.1", "paths": {}, "components": {"schemas": {}}}', encoding="utf-8")
    pin = generate.SpecLock(file="spec.json", sha256="0" * 64, dqops_version="1.0.0")
    output = tmp_path / "repo" / "dqops" / "client"
    generate.generate_package(spec, output, tmp_path / "generator.json", pin)
    assert (output / "__init__.py").read_text(encoding="utf-8") == "MARKER = 'new'\n"
    assert staged_at and output.parent not in staged_at[0].parents
    assert staged_at[0].parent.parent == output.parent.parent
    assert sorted(path.name for path in (tmp_path / "repo").iterdir()) == ["dqops"]  # the stage is gone
