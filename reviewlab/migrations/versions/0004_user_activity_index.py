"""Culture indicators: conversations indexed by (user_id, started_at) instead of user_id alone.

Adoption indicators (active users, returning users, cohorts) group conversations by user in time order; with
this index the database streams each user's conversations from the index instead of sorting or reading every
row. It serves the lookups by user id that the old single-column index did.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversation_user_started", "conversation", ["user_id", "started_at"], unique=False)
    op.drop_index("ix_conversation_user", table_name="conversation")


def downgrade() -> None:
    op.create_index("ix_conversation_user", "conversation", ["user_id"], unique=False)
    op.drop_index("ix_conversation_user_started", table_name="conversation")
