"""Review workspace indexes: full-text hits mapped to conversations without reading message rows (SQLite).

SQLite's FTS5 index returns message ids; turning thousands of them into conversation ids through the message
table reads a page of message text per hit. This narrow covering index holds just (id, conversation_id), so the
explorer's search reads a fraction of the pages. PostgreSQL needs none (its GIN index is on the message table).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE INDEX IF NOT EXISTS ix_message_id_conversation ON message (id, conversation_id)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_message_id_conversation")
