"""Docs that cannot drift: every CLI command and every setting is in the README."""

import typer

from reviewlab.cli import app
from reviewlab.config import SETTINGS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def _command_paths(typer_app: typer.Typer, prefix: str = "reviewlab") -> list[str]:
    paths = []
    for command in typer_app.registered_commands:
        name = command.name or command.callback.__name__.replace("_", "-")
        paths.append(f"{prefix} {name}")
    for group in typer_app.registered_groups:
        paths += _command_paths(group.typer_instance, f"{prefix} {group.name}")
    return paths


def test_every_cli_command_is_documented():
    missing = [path for path in _command_paths(app) if path not in README]
    assert not missing, f"README lacks: {missing}"


def test_every_setting_is_documented():
    missing = [name for name in SETTINGS if name not in README]
    assert not missing, f"README lacks: {missing}"


def test_readme_shows_the_two_setup_commands():
    assert "make run" in README and "make test" in README
