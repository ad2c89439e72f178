"""The README is the first thing a newcomer reads: keep it true."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    assert README.index("make run") < README.index("## How staff work")
    assert "make test" in README


def test_readme_lists_every_setting_in_env_example():
    names = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]*(?:<KIND>)?)=", (ROOT / ".env.example").read_text(), re.M))
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert names and not missing, f"README.md's settings table lacks {missing}"
