"""Full-text search over message content: SQLite FTS5 (external content) or a PostgreSQL GIN index.

On SQLite the index is filled by reviewlab.store.search.sync_search_index (after each import), not by
triggers, so bulk imports stay fast.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS message_fts USING fts5("
            "content, content='message', content_rowid='id', tokenize='porter unicode61')"
        )
    else:
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_message_content_fts ON message "
            "USING gin (to_tsvector('english', content))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS message_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_message_content_fts")
