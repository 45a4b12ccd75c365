"""A conversation as chat bubbles. All content is untrusted: it goes through safe_markdown or st.code, never HTML."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import streamlit as st

from reviewlab.models import Message
from reviewlab.safetext import plain_text, safe_markdown

LONG_MESSAGE_CHARS = 1500  # longer messages show their start and collapse the rest
PREVIEW_CHARS = 600
AVATARS = {"system": ":material/settings:", "tool": ":material/build:"}


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def feedback_label(value: float | None) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"👍 {value:+.1f}" if value > 0 else f"👎 {value:+.1f}" if value < 0 else "feedback 0"


def signal_labels(message: Message) -> list[str]:
    """Per-turn signals from `reviewlab analyze`, when present."""
    labels = []
    if message.failure is not None:
        labels.append(f"failure {message.failure:.2f}")
    if message.dissatisfied is not None:
        labels.append(f"dissatisfied {message.dissatisfied:.2f}")
    for name, value in sorted((message.signals or {}).items()):
        if isinstance(value, bool | int | float) and value:
            labels.append(safe_markdown(plain_text(str(name), 30)) + ("" if value is True else f" {float(value):.2f}"))
    return labels


def _tool_call_parts(call: dict) -> tuple[str, str]:
    """(name, pretty arguments) of an OpenAI-style or flat tool call."""
    function = call.get("function") if isinstance(call.get("function"), dict) else call
    name = str(function.get("name") or call.get("type") or "tool")
    arguments = function.get("arguments", function.get("args", function.get("input", "")))
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return name, arguments
    return name, json.dumps(arguments, indent=2, ensure_ascii=False)


def render_content(text: str) -> None:
    """Message text as safe markdown; long text shows its start, the rest in a collapsed expander."""
    if len(text) <= LONG_MESSAGE_CHARS:
        st.markdown(safe_markdown(text))
        return
    st.markdown(safe_markdown(text[:PREVIEW_CHARS].rstrip()) + " …")
    with st.expander(f"Show the whole message ({len(text):,} characters)"):
        st.markdown(safe_markdown(text))


def render_message(message: Message, tags: pd.DataFrame) -> None:
    """One turn: header (turn, time, feedback, signals), content, tool calls, and the tags on this turn."""
    with st.chat_message(message.role, avatar=AVATARS.get(message.role)):
        header = [f"**{message.role}** · turn {message.position}"]
        if message.name:
            header.append(safe_markdown(plain_text(message.name, 40)))
        header += [part for part in (when(message.created_at), feedback_label(message.feedback)) if part]
        header += signal_labels(message)
        st.caption(" · ".join(header))
        if message.role == "tool":
            with st.expander("Tool result", expanded=len(message.content) < 200):
                st.code(message.content, language=None, wrap_lines=True)
        elif message.content:
            render_content(message.content)
        for call in message.tool_calls or []:
            if isinstance(call, dict):
                name, arguments = _tool_call_parts(call)
                with st.expander(f"Tool call · {safe_markdown(plain_text(name, 60))}"):
                    st.code(arguments, language="json", wrap_lines=True)
        for tag in tags.itertuples():
            who = tag.member if isinstance(tag.member, str) else "import"
            note = f" — {safe_markdown(plain_text(tag.note, 200))}" if isinstance(tag.note, str) and tag.note else ""
            st.caption(f":material/sell: **{safe_markdown(tag.tag)}** by {safe_markdown(who)}{note}")


def render_transcript(messages: list[Message], annotations: pd.DataFrame) -> None:
    by_message = annotations[annotations["message_id"].notna()]
    for message in messages:
        render_message(message, by_message[by_message["message_id"] == message.id])
