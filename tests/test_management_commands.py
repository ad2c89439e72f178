"""Every management command of the project's own apps answers `--help`.

The commands are discovered, not listed: a new command is covered the day it
is added. `help` texts must be real strings by the time argparse formats them
(a lazy translation crashed `import_faq --help` and `seed_demo --help`).
"""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.utils import translation


def project_commands() -> list[str]:
    """The commands whose app lives in this repository (not in .venv)."""
    base = Path(settings.BASE_DIR).resolve()
    venv = base / ".venv"
    ours = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and not Path(config.path).resolve().is_relative_to(venv)
    }
    return sorted(name for name, app_name in get_commands().items() if app_name in ours)


def run_help(name: str) -> None:
    """What `manage.py NAME --help` runs: parse the arguments, print, exit 0."""
    command = load_command_class(get_commands()[name], name)
    command.run_from_argv(["manage.py", name, "--help"])


def test_the_project_commands_are_found():
    assert {"import_faq", "seed_demo", "preview_post"} <= set(project_commands())


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("name", project_commands())
def test_help_works_for_every_command(name, language, capsys):
    with translation.override(language), pytest.raises(SystemExit) as exit_info:
        run_help(name)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: manage.py {name}")
    assert "--help" in out


def test_help_is_translated(capsys):
    with translation.override("ja"), pytest.raises(SystemExit):
        run_help("import_faq")
    assert "CSVファイルのパス" in capsys.readouterr().out
