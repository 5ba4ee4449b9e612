"""The README's settings table is one table listing every setting Calipso reads."""

from __future__ import annotations

from pathlib import Path

from calipso.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def _settings_table() -> list[str]:
    """The rows of the table under "## Settings", up to its first non-table line: Markdown
    ends a table there, so rows after a blank line would not render."""
    lines = README.read_text().split("## Settings", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Variable"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def test_the_settings_table_lists_every_setting() -> None:
    listed = {row.split("`")[1] for row in _settings_table()}
    assert listed == {f"CALIPSO_{name.upper()}" for name in Settings.model_fields}
