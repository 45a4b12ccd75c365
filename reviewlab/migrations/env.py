"""Alembic environment: runs on the engine handed over by reviewlab.db.migrate (or the configured URL)."""

from alembic import context
from sqlmodel import SQLModel

import reviewlab.models  # noqa: F401  (registers the tables)
from reviewlab.db import include_object, make_engine


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine") or make_engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
