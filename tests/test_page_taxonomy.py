"""Taxonomy & team page: tags created, edited, archived and merged; members added, edited and deactivated."""

from sqlmodel import select

from reviewlab.db import session_scope
from reviewlab.models import Annotation, AuditLog, Member, Tag
from reviewlab.store.annotations import add_annotation
from tests.loop_data import form_input
from tests.review_data import seed_workspace, tag_id

PAGE = "pages/review/taxonomy.py"


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_create_a_tag(open_page, engine):
    people = seed_workspace(engine)
    at = open_page(PAGE, member_id=people["ada"])
    at.text_input(key="new_tag_name").input("made-up policy")
    at.selectbox(key="new_tag_kind").set_value("pain_point")
    at.text_area(key="new_tag_description").input("The assistant invented a company policy.")
    at.color_picker(key="new_tag_colour").pick("#aa3300")
    button(at, "Create tag").click().run()
    assert not at.exception and "created" in at.success[0].value
    with session_scope(engine) as s:
        tag = s.exec(select(Tag).where(Tag.name == "made-up policy")).one()
        audit = s.exec(select(AuditLog).where(AuditLog.entity == "tag", AuditLog.action == "create")).all()
    assert (tag.kind, tag.description, tag.colour) == ("pain_point", "The assistant invented a company policy.",
                                                       "#aa3300")  # fmt: skip
    assert audit[-1].member_id == people["ada"]
    assert "made-up policy" in list(at.dataframe[0].value["name"])
    # Created: the form is empty again.
    assert form_input(at.text_input, "new_tag_name").value == ""
    assert form_input(at.text_area, "new_tag_description").value == ""
    assert form_input(at.color_picker, "new_tag_colour").value == "#888888"

    form_input(at.text_input, "new_tag_name").input("Slow")  # clashes with a seeded tag (case-insensitive)
    form_input(at.text_area, "new_tag_description").input("Answers take too long.")
    button(at, "Create tag").click().run()
    assert "already exists" in at.error[0].value
    # Refused: what was typed stays, to fix and resubmit.
    assert form_input(at.text_input, "new_tag_name").value == "Slow"
    assert form_input(at.text_area, "new_tag_description").value == "Answers take too long."


def test_edit_and_archive_a_tag(open_page, engine):
    seed_workspace(engine)
    with session_scope(engine) as s:
        tone = tag_id(s, "tone")
    at = open_page(PAGE)
    at.selectbox(key="edit_tag_pick").set_value(tone).run()
    at.text_area(key=f"edit_tag_description_{tone}").input("Curt, preachy or over-apologetic.")
    at.color_picker(key=f"edit_tag_colour_{tone}").pick("#123456")
    at.toggle(key=f"edit_tag_archived_{tone}").set_value(True)
    button(at, "Save tag").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        tag = s.get(Tag, tone)
    assert (tag.description, tag.colour, tag.archived) == ("Curt, preachy or over-apologetic.", "#123456", True)


def test_merge_moves_annotations(open_page, engine):
    people = seed_workspace(engine)
    with session_scope(engine, write=True) as s:
        slow, abandoned = tag_id(s, "slow"), tag_id(s, "abandoned")
        add_annotation(session=s, conversation_id="c0", tag_id=slow, member_id=people["ada"])
        add_annotation(session=s, conversation_id="c1", tag_id=slow, member_id=people["bo"])
    at = open_page(PAGE, member_id=people["bo"])
    at.selectbox(key="merge_source").set_value(slow)
    at.selectbox(key="merge_target").set_value(abandoned).run()
    at.button(key="merge_button").click().run()
    assert not at.exception and "Merged" in at.success[0].value
    with session_scope(engine) as s:
        assert {a.tag_id for a in s.exec(select(Annotation)).all()} == {abandoned}
        merged = s.get(Tag, slow)
        assert merged.archived and merged.merged_into_id == abandoned
        assert s.exec(select(AuditLog).where(AuditLog.action == "merge")).one().member_id == people["bo"]


def test_add_edit_and_deactivate_members(open_page, engine):
    at = open_page(PAGE)  # no members yet: the first one can be added without an identity
    at.text_input(key="new_member_name").input("Chidi")
    at.text_input(key="new_member_email").input("chidi@example.com")
    at.selectbox(key="new_member_function").set_value("support")
    at.selectbox(key="new_member_side").set_value("business")
    button(at, "Add member").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        chidi = s.exec(select(Member).where(Member.email == "chidi@example.com")).one()
    assert (chidi.name, chidi.function, chidi.side, chidi.active) == ("Chidi", "support", "business", True)

    at.selectbox(key="edit_member").set_value(chidi.id).run()
    at.text_input(key=f"member_name_{chidi.id}").input("Chidi A.")
    at.selectbox(key=f"member_function_{chidi.id}").set_value("product")
    at.toggle(key=f"member_active_{chidi.id}").set_value(False)
    button(at, "Save member").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        chidi = s.get(Member, chidi.id)
    assert (chidi.name, chidi.function, chidi.active) == ("Chidi A.", "product", False)
    assert any("No team members yet" in c.value for c in at.sidebar.caption)  # deactivated: not in "Who are you?"
