"""Exports: annotations and judgements as CSV or JSONL, and tagged conversations as an evaluation set.

The evaluation set is OpenAI-messages JSONL, one conversation per line, with the team's labels beside the
messages, so it can feed prompt and regression tests:
`{"id", "messages": [{"role", "content", ...}], "labels": {"tags", "conversation_tags", "turn_tags", "judgements"},
"metadata": {...}}`; "tags" lists every tag applied anywhere in the conversation.
CSV cells go through reviewlab.csvsafe so a spreadsheet never runs them as formulas.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlmodel import Session

from reviewlab.csvsafe import safe_frame
from reviewlab.store.annotations import annotated_conversation_ids, annotations_frame, judgements_frame
from reviewlab.store.conversations import conversations_frame, transcripts

REF_COLUMNS = ["source", "external_id"]


def annotations_export(*, session: Session, include_deleted: bool = False) -> pd.DataFrame:
    """Every annotation with its conversation's source and external id (the ids the team's logs know)."""
    frame = annotations_frame(session=session, include_deleted=include_deleted)
    return _with_refs(session, frame)


def judgements_export(*, session: Session) -> pd.DataFrame:
    return _with_refs(session, judgements_frame(session=session))


def _with_refs(session: Session, frame: pd.DataFrame) -> pd.DataFrame:
    refs = conversations_frame(session=session, conversation_ids=sorted(set(frame["conversation_id"])))
    refs = refs[["id", *REF_COLUMNS]].rename(columns={"id": "conversation_id"})
    merged = frame.merge(refs, on="conversation_id", how="left")
    first = ["id", "conversation_id", *REF_COLUMNS]
    return merged[first + [c for c in merged.columns if c not in first]]


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8) with formula injection neutralised."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8")


def to_jsonl(frame: pd.DataFrame) -> bytes:
    """One JSON object per row; missing values are null, timestamps ISO 8601."""
    lines = [json.dumps({k: _plain(v) for k, v in row.items()}, ensure_ascii=False) for row in frame.to_dict("records")]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


def _plain(value: Any) -> Any:
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def evaluation_set(*, session: Session, tag_ids: list[int] | None = None) -> list[dict]:
    """Tagged conversations (with one of `tag_ids` when given) with their messages and every live label."""
    ids = annotated_conversation_ids(session=session, tag_ids=tag_ids)
    if not ids:
        return []
    meta = conversations_frame(session=session, conversation_ids=ids).set_index("id")
    messages = transcripts(session=session, conversation_ids=ids)
    annotations = annotations_frame(session=session, conversation_ids=ids)
    judgements = judgements_frame(session=session, conversation_ids=ids)
    items = []
    for cid in ids:
        row = meta.loc[cid]
        tags = annotations[annotations["conversation_id"] == cid]
        whole = tags[tags["message_id"].isna()]
        turns = tags[tags["message_id"].notna()]
        items.append({
            "id": cid,
            "messages": [_openai_message(m) for m in messages.get(cid, [])],
            "labels": {
                "tags": sorted(set(tags["tag"])),
                "conversation_tags": [{"tag": t.tag, "by": t.member, "note": t.note} for t in whole.itertuples()],
                "turn_tags": [
                    {"turn": int(t.position), "role": t.role, "tag": t.tag, "by": t.member, "note": t.note}
                    for t in turns.itertuples()
                ],
                "judgements": [
                    {k: _plain(getattr(j, k)) for k in ("member", "intent", "intent_fulfilled", "satisfaction",
                                                         "task_completed", "note")}
                    for j in judgements[judgements["conversation_id"] == cid].itertuples()
                ],
            },
            "metadata": {k: _plain(row[k]) for k in ("source", "external_id", "user_id", "started_at", "variant",
                                                     "product_area", "explicit_feedback")},
        })  # fmt: skip
    return items


def _openai_message(message) -> dict:
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.name:
        out["name"] = message.name
    if message.tool_calls:
        out["tool_calls"] = message.tool_calls
    return out


def evaluation_jsonl(*, session: Session, tag_ids: list[int] | None = None) -> bytes:
    lines = [json.dumps(item, ensure_ascii=False) for item in evaluation_set(session=session, tag_ids=tag_ids)]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
