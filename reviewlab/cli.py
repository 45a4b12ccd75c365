"""The `reviewlab` command. Each command is a thin wrapper over the reviewlab package."""

from __future__ import annotations

import typer
from rich.console import Console

from reviewlab.db import make_engine
from reviewlab.store.setup import ensure_ready

app = typer.Typer(help="ReviewLab: read real conversations, tag what hurt the user, decide with evidence.",
                  no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring its schema up to date."""
    was_new = ensure_ready(make_engine())
    console.print("Database created." if was_new else "Database is up to date.")


@app.command("init")
def init(
    demo_if_new: bool = typer.Option(False, "--demo-if-new", help="Seed the demo workspace when the database is new."),
) -> None:
    """Create or upgrade the database; with --demo-if-new, seed the demo workspace on the very first run."""
    engine = make_engine()
    was_new = ensure_ready(engine)
    if was_new and demo_if_new:
        from reviewlab.demo import seed_demo

        console.print("New database: seeding the demo workspace…")
        seed_demo(engine)
    console.print("Ready.")


if __name__ == "__main__":
    app()
