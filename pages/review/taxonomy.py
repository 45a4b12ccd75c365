"""Taxonomy & team: the tags reviewers use (create, describe, colour, archive, merge) and the team's members."""

import streamlit as st

from reviewlab.db import session_scope
from reviewlab.models import FUNCTION_CHOICES, SIDE_CHOICES, TAG_KIND_CHOICES
from reviewlab.store import annotations as taxonomy
from reviewlab.store import people
from reviewlab.ui.filters import CACHE_TTL_S, database_key
from reviewlab.ui.loop import clear_form, form_keys
from reviewlab.ui.shell import current_member_id, get_engine, write_or_explain

KIND_LABELS = {kind: kind.replace("_", " ") for kind in TAG_KIND_CHOICES}


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def load(db: str):
    with session_scope(get_engine()) as session:
        return taxonomy.tags_frame(session=session), people.members_frame(session=session)


def write(action, success: str, form: str | None = None, **kwargs) -> None:
    """Run one store write in its own transaction, then refresh (emptying create form `form`); a refused write
    shows why and keeps what was typed."""
    if not write_or_explain(action, **kwargs)[0]:
        return
    st.session_state["taxonomy_flash"] = success
    if form:
        clear_form(form)
    st.rerun()


actor = current_member_id()
tags, members = load(database_key())
st.title("Taxonomy & team")
if message := st.session_state.pop("taxonomy_flash", None):
    st.success(message)
if actor is None:
    st.caption("Changes are recorded in the audit log; pick who you are in the sidebar to sign them.")

tab_tags, tab_team = st.tabs(["Tags", "Team"])

with tab_tags:
    st.dataframe(
        tags[["name", "kind", "description", "colour", "uses", "archived"]],
        column_config={"uses": st.column_config.NumberColumn("Uses", help="Live annotations with this tag")},
        hide_index=True,
        width="stretch",
    )
    names = dict(zip(tags["id"].astype(int), tags["name"], strict=True))
    live = [int(i) for i in tags.loc[~tags["archived"], "id"]]

    tag_key = form_keys("new_tag")
    with st.expander("New tag", icon=":material/add:"), st.form("new_tag", clear_on_submit=False, border=False):
        name = st.text_input("Name", key=tag_key("new_tag_name"))
        kind = st.selectbox("Kind", TAG_KIND_CHOICES, format_func=KIND_LABELS.get, key=tag_key("new_tag_kind"))
        description = st.text_area("Description", key=tag_key("new_tag_description"), height=68,
                                   help="What reviewers should mean by it.")  # fmt: skip
        colour = st.color_picker("Colour", "#888888", key=tag_key("new_tag_colour"))
        if st.form_submit_button("Create tag"):
            write(taxonomy.create_tag, f"Tag {name.strip()!r} created.", "new_tag", name=name, kind=kind,
                  description=description, colour=colour, member_id=actor)  # fmt: skip

    with st.expander("Edit a tag", icon=":material/edit:"):
        tag_id = st.selectbox("Tag", list(names), format_func=names.get, index=None, key="edit_tag_pick")
        if tag_id is not None:
            tag = tags.set_index("id").loc[tag_id]
            with st.form(f"edit_tag_{tag_id}", border=False):
                new_name = st.text_input("Name", tag["name"], key=f"edit_tag_name_{tag_id}")
                new_kind = st.selectbox("Kind", TAG_KIND_CHOICES, index=TAG_KIND_CHOICES.index(tag["kind"]),
                                        format_func=KIND_LABELS.get, key=f"edit_tag_kind_{tag_id}")  # fmt: skip
                new_description = st.text_area("Description", tag["description"], height=68,
                                               key=f"edit_tag_description_{tag_id}")  # fmt: skip
                new_colour = st.color_picker("Colour", tag["colour"], key=f"edit_tag_colour_{tag_id}")
                archived = st.toggle("Archived (hidden when tagging; history kept)", bool(tag["archived"]),
                                     key=f"edit_tag_archived_{tag_id}")  # fmt: skip
                if st.form_submit_button("Save tag"):
                    write(taxonomy.update_tag, f"Tag {new_name.strip()!r} saved.", tag_id=tag_id, name=new_name,
                          kind=new_kind, description=new_description, colour=new_colour, archived=archived,
                          member_id=actor)  # fmt: skip

    with st.expander("Merge two tags", icon=":material/merge:"):
        st.caption("Every annotation of the first tag moves to the second; the first is archived as merged.")
        merge = st.columns(2)
        source = merge[0].selectbox("Merge", list(names), format_func=names.get, index=None, key="merge_source")
        target = merge[1].selectbox("into", live, format_func=names.get, index=None, key="merge_target")
        if st.button("Merge tags", disabled=source is None or target is None, key="merge_button"):
            write(taxonomy.merge_tags, f"Merged {names.get(source)!r} into {names.get(target)!r}.",
                  source_id=source, target_id=target, member_id=actor)  # fmt: skip

with tab_team:
    st.dataframe(
        members[["name", "email", "function", "side", "active"]],
        hide_index=True,
        width="stretch",
    )
    with st.expander("New member", icon=":material/person_add:"):
        member_key = form_keys("new_member")
        with st.form("new_member", clear_on_submit=False, border=False):
            row = st.columns(2)
            name = row[0].text_input("Name", key=member_key("new_member_name"))
            email = row[1].text_input("Email", key=member_key("new_member_email"))
            function = row[0].selectbox("Function", FUNCTION_CHOICES, key=member_key("new_member_function"))
            side = row[1].selectbox("Side", SIDE_CHOICES, key=member_key("new_member_side"),
                                    help="Builders make the product; business members own its outcomes.")  # fmt: skip
            if st.form_submit_button("Add member"):
                write(people.create_member, f"{name.strip()} added.", "new_member", name=name, email=email,
                      function=function, side=side, actor_id=actor)  # fmt: skip

    everyone = {int(r.id): f"{r.name} ({r.email})" for r in members.itertuples()}
    with st.expander("Edit a member", icon=":material/manage_accounts:"):
        member_id = st.selectbox("Member", list(everyone), format_func=everyone.get, index=None, key="edit_member")
        if member_id is not None:
            member = members.set_index("id").loc[member_id]
            with st.form(f"edit_member_{member_id}", border=False):
                row = st.columns(2)
                name = row[0].text_input("Name", member["name"], key=f"member_name_{member_id}")
                email = row[1].text_input("Email", member["email"], key=f"member_email_{member_id}")
                function = row[0].selectbox("Function", FUNCTION_CHOICES, key=f"member_function_{member_id}",
                                            index=FUNCTION_CHOICES.index(member["function"]))  # fmt: skip
                side = row[1].selectbox("Side", SIDE_CHOICES, index=SIDE_CHOICES.index(member["side"]),
                                        key=f"member_side_{member_id}")  # fmt: skip
                active = st.toggle("Active (deactivated members keep their history but cannot review)",
                                   bool(member["active"]), key=f"member_active_{member_id}")  # fmt: skip
                if st.form_submit_button("Save member"):
                    write(people.update_member, f"{name.strip()} saved.", member_id=member_id, name=name,
                          email=email, function=function, side=side, active=active, actor_id=actor)  # fmt: skip
