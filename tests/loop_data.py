"""Hand-built data for the weekly-loop tests: members and conversations written straight to the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1.element_tree import Selectbox

from reviewlab.models import Annotation, Conversation, Judgement, Member, Message, Tag

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def add_members(session: Session) -> dict[str, Member]:
    people = {
        "ada": ("Ada", "ada@example.com", "engineering", "builder"),
        "bo": ("Bo", "bo@example.com", "data/ai", "builder"),
        "cy": ("Cy", "cy@example.com", "business", "business"),
        "di": ("Di", "di@example.com", "support", "business"),
    }
    out = {}
    for key, (name, email, function, side) in people.items():
        out[key] = Member(name=name, email=email, function=function, side=side)
        session.add(out[key])
    session.flush()
    return out


def add_conversation(
    session: Session,
    external_id: str,
    *,
    started_at: datetime = T0,
    variant: str | None = None,
    product_area: str | None = None,
    frustration: float | None = None,
    topic_id: int | None = None,
    text: str = "hello",
) -> Conversation:
    conv = Conversation(
        id=f"{external_id:0>32}"[-32:],
        external_id=external_id,
        source="test",
        started_at=started_at,
        variant=variant,
        product_area=product_area,
        frustration=frustration,
        topic_id=topic_id,
        n_messages=2,
        n_user_turns=1,
    )
    session.add(conv)
    session.flush()
    session.add(Message(conversation_id=conv.id, position=0, role="user", content=text, created_at=started_at))
    session.add(
        Message(
            conversation_id=conv.id,
            position=1,
            role="assistant",
            content=f"answer to {text}",
            created_at=started_at + timedelta(seconds=5),
        )
    )
    return conv


def tag_id(session: Session, name: str) -> int:
    from sqlmodel import select

    return session.exec(select(Tag.id).where(Tag.name == name)).one()


def annotate(session: Session, conversation_id: str, tag: int, member_id: int, **kwargs) -> Annotation:
    ann = Annotation(conversation_id=conversation_id, tag_id=tag, member_id=member_id, **kwargs)
    session.add(ann)
    session.flush()
    return ann


def judge(session: Session, conversation_id: str, member_id: int, **kwargs) -> Judgement:
    j = Judgement(conversation_id=conversation_id, member_id=member_id, **kwargs)
    session.add(j)
    session.flush()
    return j


class _BrowserSelectbox(Selectbox):
    """A selectbox that sends back `held`, the label the browser shows (see `browser_selectbox`)."""

    held: str

    @property
    def _widget_state(self) -> WidgetState:
        state = WidgetState()
        state.id = self.id
        state.string_value = self.held
        return state


def form_input(widgets, name: str):
    """Create-form input `name` among `widgets` (e.g. at.text_input): its key gains a round suffix each time the form
    is cleared after a successful write (reviewlab.ui.loop.form_keys)."""
    return next(w for w in widgets if w.key == name or (w.key or "").startswith(f"{name}__"))


def shown_label(at, key: str) -> str:
    box = at.selectbox(key=key)
    return box.options[box.index]


def browser_selectbox(at, key: str, label: str) -> str:
    """Make the next run send what a browser sends for selectbox `key`: the label it showed when the user picked
    (`label`), even where the last run relabelled the options, unless that run pushed a new value. AppTest instead
    re-formats the Python value with the newest labels, which hides stale-label bugs. Returns the label sent."""
    box = at.selectbox(key=key)
    if box.proto.set_value and box.proto.HasField("raw_value"):
        label = box.proto.raw_value
    box.__class__ = _BrowserSelectbox
    box.held = label
    return label


def column_labels(frame_element) -> dict[str, str]:
    """The headers a table shows: {column: label} from its st.column_config."""
    import json

    config = json.loads(frame_element.proto.columns or "{}")
    return {name: spec.get("label", name) for name, spec in config.items() if name != "_index"}
