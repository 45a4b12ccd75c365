"""Tags, judgements and the taxonomy: writes, validation, soft delete, audit, merge."""

import pytest
from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import Annotation, AuditLog, Judgement, Message, Tag
from reviewlab.store.annotations import (
    add_annotation,
    annotations_frame,
    create_tag,
    get_judgement,
    intent_suggestions,
    judgements_frame,
    list_tags,
    merge_tags,
    remove_annotation,
    save_judgement,
    tags_frame,
    update_tag,
)
from reviewlab.store.people import set_member_active
from tests.review_data import seed_workspace, tag_id


@pytest.fixture
def workspace(any_engine):
    return any_engine, seed_workspace(any_engine)


def audit_actions(session, entity: str) -> list[str]:
    return list(session.exec(select(AuditLog.action).where(AuditLog.entity == entity).order_by(AuditLog.id)))


def test_tag_a_conversation_and_a_turn_then_remove(workspace):
    engine, people = workspace
    with session_scope(engine, write=True) as s:
        turn = s.exec(select(Message).where(Message.conversation_id == "c0", Message.position == 1)).one()
        whole = add_annotation(session=s, conversation_id="c0", tag_id=tag_id(s, "slow"), member_id=people["ada"])
        on_turn = add_annotation(
            session=s,
            conversation_id="c0",
            tag_id=tag_id(s, "wrong answer"),
            member_id=people["bo"],
            message_id=turn.id,
            note="  menu does not exist ",
        )
    with session_scope(engine) as s:
        frame = annotations_frame(session=s, conversation_id="c0")
    assert list(frame["tag"]) == ["slow", "wrong answer"]
    assert list(frame["member"]) == ["Ada", "Bo"]
    assert frame.iloc[1]["position"] == 1 and frame.iloc[1]["role"] == "assistant"
    assert frame.iloc[1]["note"] == "menu does not exist"
    assert frame["created_at"].notna().all()

    with session_scope(engine, write=True) as s:
        remove_annotation(session=s, annotation_id=whole.id, member_id=people["bo"])
        remove_annotation(session=s, annotation_id=whole.id, member_id=people["bo"])  # idempotent
    with session_scope(engine) as s:
        assert list(annotations_frame(session=s, conversation_id="c0")["id"]) == [on_turn.id]
        everything = annotations_frame(session=s, conversation_id="c0", include_deleted=True)
        kept = s.get(Annotation, whole.id)
        assert kept.deleted_at is not None and kept.deleted_by_id == people["bo"]
        assert everything.set_index("id").loc[whole.id, "deleted_by"] == "Bo"
        assert audit_actions(s, "annotation") == ["create", "create", "delete"]


def test_annotation_refuses_bad_input_and_writes_nothing(workspace):
    engine, people = workspace
    with session_scope(engine, write=True) as s:
        slow = tag_id(s, "slow")
        other_turn = s.exec(select(Message.id).where(Message.conversation_id == "c1")).first()
        update_tag(session=s, tag_id=tag_id(s, "tone"), archived=True)
        tone = tag_id(s, "tone")
    cases = [
        ({"conversation_id": "nope", "tag_id": slow}, "No conversation"),
        ({"conversation_id": "c0", "tag_id": 99999}, "No tag"),
        ({"conversation_id": "c0", "tag_id": tone}, "archived"),
        ({"conversation_id": "c0", "tag_id": slow, "message_id": other_turn}, "not part of"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message), session_scope(engine, write=True) as s:
            add_annotation(session=s, member_id=people["ada"], **kwargs)
    with session_scope(engine, write=True) as s:
        set_member_active(session=s, member_id=people["bo"], active=False)
    with pytest.raises(ValueError, match="deactivated"), session_scope(engine, write=True) as s:
        add_annotation(session=s, conversation_id="c0", tag_id=slow, member_id=people["bo"])
    with session_scope(engine) as s:
        assert s.exec(select(Annotation)).all() == []


def test_judgement_is_one_per_reviewer_and_editable(workspace):
    engine, people = workspace
    with session_scope(engine, write=True) as s:
        first = save_judgement(
            session=s, conversation_id="c0", member_id=people["ada"], intent="get  a refund",
            intent_fulfilled="partial", satisfaction=2, task_completed="no", note="pointed to a missing menu",
        )  # fmt: skip
    with session_scope(engine, write=True) as s:
        again = save_judgement(
            session=s, conversation_id="c0", member_id=people["ada"], intent="get a refund", intent_fulfilled="no",
            satisfaction=1, task_completed="no",
        )  # fmt: skip
        save_judgement(session=s, conversation_id="c0", member_id=people["bo"], intent="get a refund", satisfaction=2)
        save_judgement(session=s, conversation_id="c1", member_id=people["bo"], intent="book a flight")
    assert again.id == first.id
    assert again.intent_fulfilled == "no" and again.satisfaction == 1 and again.note == ""
    assert again.updated_at >= first.updated_at
    with session_scope(engine) as s:
        assert len(s.exec(select(Judgement)).all()) == 3
        frame = judgements_frame(session=s, conversation_id="c0")
        assert sorted(frame["member"]) == ["Ada", "Bo"]
        assert get_judgement(session=s, conversation_id="c0", member_id=people["ada"]).satisfaction == 1
        assert get_judgement(session=s, conversation_id="c2", member_id=people["ada"]) is None
        assert intent_suggestions(session=s) == ["get a refund", "book a flight"]
        assert audit_actions(s, "judgement") == ["save"] * 4


@pytest.mark.parametrize(
    "bad",
    [
        {"intent_fulfilled": "maybe"},
        {"task_completed": "sort of"},
        {"satisfaction": 6},
        {"satisfaction": 0},
        {"satisfaction": True},
        {"conversation_id": "nope"},
        {"member_id": None},
    ],
)
def test_judgement_validation(workspace, bad):
    engine, people = workspace
    kwargs = {"conversation_id": "c0", "member_id": people["ada"], **bad}
    with pytest.raises(ValueError), session_scope(engine, write=True) as s:
        save_judgement(session=s, **kwargs)


def test_taxonomy_create_edit_archive(workspace):
    engine, people = workspace
    with session_scope(engine, write=True) as s:
        tag = create_tag(session=s, name=" made  up policy ", description="Invented a rule", colour="#123abc",
                         member_id=people["ada"])  # fmt: skip
        update_tag(session=s, tag_id=tag.id, description="Invented a company policy", colour="#654321")
    with session_scope(engine) as s:
        stored = s.get(Tag, tag.id)
        assert (stored.name, stored.description, stored.colour) == ("made up policy", "Invented a company policy",
                                                                    "#654321")  # fmt: skip
        assert audit_actions(s, "tag")[-2:] == ["create", "update"]
    for kwargs, message in [
        ({"name": "Slow"}, "already exists"),
        ({"name": "x", "colour": "red"}, "Colour"),
        ({"name": "x", "kind": "mood"}, "Unknown kind"),
        ({"name": "  "}, "needs a name"),
    ]:
        with pytest.raises(ValueError, match=message), session_scope(engine, write=True) as s:
            create_tag(session=s, **kwargs)
    with session_scope(engine, write=True) as s:
        update_tag(session=s, tag_id=tag.id, archived=True)
    with session_scope(engine) as s:
        assert tag.id not in [t.id for t in list_tags(session=s)]
        assert tag.id in [t.id for t in list_tags(session=s, include_archived=True)]


def test_merge_moves_annotations_and_drops_duplicates(workspace):
    engine, people = workspace
    with session_scope(engine, write=True) as s:
        source = create_tag(session=s, name="hallucination")
        target = tag_id(s, "wrong answer")
        add_annotation(session=s, conversation_id="c0", tag_id=source.id, member_id=people["ada"])
        add_annotation(session=s, conversation_id="c1", tag_id=source.id, member_id=people["ada"])
        add_annotation(session=s, conversation_id="c0", tag_id=target, member_id=people["ada"])  # same as 1st
        add_annotation(session=s, conversation_id="c0", tag_id=source.id, member_id=people["bo"])
    with session_scope(engine, write=True) as s:
        moved = merge_tags(session=s, source_id=source.id, target_id=target, member_id=people["bo"])
    assert moved == 2
    with session_scope(engine) as s:
        merged = s.get(Tag, source.id)
        assert merged.archived and merged.merged_into_id == target
        live = annotations_frame(session=s)
        assert set(live["tag"]) == {"wrong answer"}
        assert sorted(zip(live["conversation_id"], live["member"], strict=True)) == [
            ("c0", "Ada"), ("c0", "Bo"), ("c1", "Ada"),
        ]  # fmt: skip
        assert len(annotations_frame(session=s, include_deleted=True)) == 4
        uses = tags_frame(session=s).set_index("name")["uses"]
        assert uses["wrong answer"] == 3 and uses["hallucination"] == 0
        assert audit_actions(s, "tag")[-1] == "merge"
    with pytest.raises(ValueError), session_scope(engine, write=True) as s:
        merge_tags(session=s, source_id=target, target_id=target)
