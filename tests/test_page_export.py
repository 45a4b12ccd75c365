"""Export page: counts, the removed-tags toggle, and the download buttons for each export."""

from reviewlab.db import session_scope
from reviewlab.store.annotations import add_annotation, remove_annotation, save_judgement
from tests.review_data import seed_workspace, tag_id

PAGE = "pages/review/export.py"


def downloads(at) -> dict[str, bool]:
    """Download buttons by label → disabled."""
    return {b.proto.label: b.proto.disabled for b in at.get("download_button")}


def test_empty_workspace_disables_downloads(open_page, engine):
    seed_workspace(engine)
    at = open_page(PAGE)
    assert set(downloads(at)) == {
        "Annotations (CSV)", "Annotations (JSONL)", "Judgements (CSV)", "Judgements (JSONL)", "Evaluation set (JSONL)",
    }  # fmt: skip
    assert all(downloads(at).values())
    # A click must not rerun the page: the rerun would replace the deferred files the other buttons point at.
    assert all(b.proto.ignore_rerun for b in at.get("download_button"))


def test_counts_follow_the_widgets(open_page, engine):
    people = seed_workspace(engine)
    with session_scope(engine, write=True) as s:
        slow = tag_id(s, "slow")
        add_annotation(session=s, conversation_id="c0", tag_id=slow, member_id=people["ada"])
        gone = add_annotation(session=s, conversation_id="c1", tag_id=slow, member_id=people["ada"])
        remove_annotation(session=s, annotation_id=gone.id, member_id=people["bo"])
        save_judgement(session=s, conversation_id="c0", member_id=people["bo"], satisfaction=2)
    at = open_page(PAGE)
    captions = [c.value for c in at.caption]
    assert "1 annotations" in captions and "1 judgements" in captions and "1 tagged conversations in all" in captions
    assert not any(downloads(at).values())
    at.toggle(key="export_removed").set_value(True).run()
    assert "2 annotations" in [c.value for c in at.caption]
    at.multiselect(key="export_tags").set_value([slow]).run()
    assert not at.exception
