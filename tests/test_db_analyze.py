"""reviewlab.db.analyze: planner statistics after a bulk import, so filters use the selective index."""

from sqlalchemy import text

from reviewlab.db import analyze, session_scope
from tests.review_data import add_conversation


def test_analyze_records_statistics_the_planner_uses(any_engine):
    with session_scope(any_engine, write=True) as s:
        for i in range(20):
            add_conversation(s, f"c{i}", [("user", "hi"), ("assistant", "hello")], variant=f"v{i % 2}")
    analyze(any_engine)
    with any_engine.connect() as conn:
        if any_engine.dialect.name == "sqlite":
            stats = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'conversation'")).scalars().all()
            assert any(stat.startswith("20 ") for stat in stats)
        else:
            analyzed = conn.execute(
                text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'conversation'")
            ).scalar_one()
            assert analyzed is not None
