"""Each log format: detected, read into the right messages, on real-shaped samples and small hand-written files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from reviewlab.ingest.detect import open_import
from reviewlab.ingest.records import ConversationRecord, ReaderOptions, Rejection
from tests.conftest import shared_data


def read_all(path: Path, *, format: str = "auto", **options) -> tuple[str, list[ConversationRecord], list[Rejection]]:
    with open_import(path, format=format) as opened:
        items = list(opened.reader(opened.text, file=path.name, options=ReaderOptions(**options)))
    return (opened.format, [i for i in items if isinstance(i, ConversationRecord)],
            [i for i in items if isinstance(i, Rejection)])


def sample(*parts: str) -> Path:
    return shared_data("formats", *parts)


def roles(record: ConversationRecord) -> list[str]:
    return [m.role for m in record.messages]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(*objs) -> str:
    return "".join(json.dumps(o) + "\n" for o in objs)


# --- OpenAI chat JSONL ------------------------------------------------------------------------------------


def test_openai_jsonl_fields_feedback_and_variant(tmp_path):
    path = write(tmp_path, "chat.jsonl", jsonl(
        {"id": "c1", "user": "u1", "model": "gpt-4o", "prompt_version": "p7", "created_at": "2026-03-02T10:00:00Z",
         "metadata": {"product_area": "billing", "variant": "B"}, "feedback": {"thumb": "down"},
         "messages": [{"role": "system", "content": "Be brief."},
                      {"role": "user", "content": [{"type": "text", "text": "Refund?"},
                                                   {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
                      {"role": "assistant", "content": None,
                       "tool_calls": [{"id": "t1", "type": "function",
                                       "function": {"name": "refund", "arguments": "{}"}}]},
                      {"role": "tool", "tool_call_id": "t1", "name": "refund", "content": "ok"},
                      {"role": "assistant", "content": "Done.", "feedback": 1}]},
        {"id": "c2", "user_id": "u2", "rating": 4, "model": "gpt-4o-mini",
         "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]},
    ))
    fmt, records, rejected = read_all(path)
    assert fmt == "openai" and not rejected
    first, second = records
    assert first.external_id == "c1" and first.user_id == "u1" and first.product_area == "billing"
    assert first.variant == "B"  # metadata.variant wins over prompt_version and model
    assert first.explicit_feedback == -1.0
    assert first.started_at.isoformat() == "2026-03-02T10:00:00+00:00"
    assert roles(first) == ["system", "user", "assistant", "tool", "assistant"]
    assert first.messages[1].content == "Refund?\n[image_url]"  # no remote image kept, only a placeholder
    assert first.messages[2].tool_calls[0]["function"]["name"] == "refund"
    assert first.messages[3].name == "refund" and first.messages[3].meta == {"tool_call_id": "t1"}
    assert first.messages[4].feedback == 1.0
    assert first.meta["model"] == "gpt-4o" and first.meta["prompt_version"] == "p7"
    assert second.variant == "gpt-4o-mini" and second.user_id == "u2" and second.explicit_feedback == 0.5  # 4 of 5


def test_openai_cookbook_fine_tuning_files_with_tool_calls():
    fmt, records, rejected = read_all(sample("openai-finetune-batch", "drone_training.first6lines.jsonl"))
    assert fmt == "openai" and len(records) == 6 and not rejected
    assistant = records[0].messages[-1]
    assert assistant.role == "assistant" and assistant.content == "" and assistant.tool_calls
    fmt, records, _ = read_all(sample("openai-finetune-batch", "toy_chat_fine_tuning.first4lines.jsonl"))
    assert [roles(r)[0] for r in records] == ["system", "system", "user", "system"]
    assert len({r.external_id for r in records}) == 4  # no ids: content hashes, all different


def test_openai_batch_input_uses_custom_id_and_model():
    fmt, records, _ = read_all(sample("openai-finetune-batch", "batch_input.constructed.jsonl"))
    assert fmt == "openai"
    assert records[0].external_id == "request-1" and records[0].variant == "gpt-4o-mini"


def test_openai_json_array_is_streamed_too(tmp_path):
    path = write(tmp_path, "chats.json", json.dumps([
        {"id": f"a{i}", "messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
        for i in range(3)], indent=2))
    fmt, records, rejected = read_all(path)
    assert fmt == "openai" and [r.external_id for r in records] == ["a0", "a1", "a2"] and not rejected
    assert records[1].line == 15  # the line where the element starts in the pretty-printed file


# --- ShareGPT -----------------------------------------------------------------------------------------------


def test_sharegpt_fastchat_array_keeps_identity_n_apart():
    fmt, records, rejected = read_all(sample("sharegpt", "fastchat_dummy_conversation.subset.json"))
    assert fmt == "sharegpt" and not rejected
    assert len(records) == 30 and records[0].external_id == "identity_0"
    assert set(roles(records[0])) == {"user", "assistant"}


def test_sharegpt_tool_roles_and_tools_string():
    fmt, records, rejected = read_all(sample("sharegpt", "llamafactory_glaive_toolcall_en_demo.subset.json"))
    assert fmt == "sharegpt" and len(records) == 15 and not rejected
    first = records[0]
    call = next(m for m in first.messages if m.tool_calls)
    assert call.role == "assistant" and call.tool_calls[0]["function"]["name"] == "search_recipes"
    assert "tool" in roles(first)
    assert first.meta["tools"][0]["name"] == "search_recipes"  # the JSON string was decoded


def test_sharegpt_chunks_are_joined_in_order_wherever_they_are(tmp_path):
    def chunk(cid, *texts):
        return {"id": cid, "conversations": [{"from": "human" if i % 2 == 0 else "gpt", "value": t}
                                             for i, t in enumerate(texts)]}
    path = write(tmp_path, "chunks.jsonl", jsonl(
        chunk("QWJhYvA_1", "q2", "a2"), chunk("other", "x", "y"), chunk("QWJhYvA_0", "q1", "a1"),
        chunk("QWJhYvA_2", "q3", "a3"),
    ))
    fmt, records, _ = read_all(path, format="sharegpt")
    joined = next(r for r in records if r.external_id == "QWJhYvA")
    assert [m.content for m in joined.messages] == ["q1", "a1", "q2", "a2", "q3", "a3"]
    assert joined.meta["chunks"] == 3
    assert {r.external_id for r in records} == {"QWJhYvA", "other"}


def test_sharegpt_system_prompt_and_role_content_variant(tmp_path):
    path = write(tmp_path, "s.jsonl", jsonl({"id": "x", "system": "Be kind.", "messages": [
        {"from": "user", "value": "hi"}, {"from": "chatgpt", "value": "hello"}]}))
    fmt, [record], _ = read_all(path)
    assert fmt == "sharegpt" and roles(record) == ["system", "user", "assistant"]


# --- CSV ------------------------------------------------------------------------------------------------------


def test_csv_rows_grouped_by_conversation_with_columns_found_by_name(tmp_path):
    path = write(tmp_path, "log.csv",
                 "conversation_id,role,content,timestamp,user_id,feedback,model,product_area\n"
                 "c1,user,\"Hello, I need help\",2026-01-05 10:00:00,u1,,v2,billing\n"
                 "c2,user,other,2026-01-05 11:00:00,u2,,v1,search\n"
                 "c1,assistant,\"Sure,\nwhat is it?\",2026-01-05 10:00:05,u1,down,v2,billing\n")
    fmt, records, rejected = read_all(path)
    assert fmt == "csv" and not rejected
    c1 = next(r for r in records if r.external_id == "c1")
    assert roles(c1) == ["user", "assistant"] and c1.messages[1].content == "Sure,\nwhat is it?"
    assert c1.user_id == "u1" and c1.variant == "v2" and c1.product_area == "billing"
    assert c1.messages[1].feedback == -1.0 and c1.explicit_feedback == -1.0
    assert c1.messages[0].created_at.isoformat() == "2026-01-05T10:00:00+00:00"


def test_csv_column_mapping_and_semicolons(tmp_path):
    path = write(tmp_path, "export.csv", "chat;speaker;utterance;turn\nA;bot;second;2\nA;human;first;1\n")
    fmt, [record], _ = read_all(path, column_map={"conversation_id": "chat", "role": "speaker", "position": "turn"})
    assert fmt == "csv" and [m.content for m in record.messages] == ["first", "second"]  # ordered by position


# --- Langfuse -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["observations_v2.constructed.jsonl", "observations_v2.constructed.csv"])
def test_langfuse_blob_export_grouped_by_session(name):
    fmt, [record], rejected = read_all(sample("langfuse", "blob-export", name))
    assert fmt == "langfuse" and not rejected
    assert record.external_id == "session:chat-session-42" and record.user_id == "user-123"
    assert roles(record) == ["user", "assistant", "tool"]
    assert record.messages[0].content == "What is the weather like today in San Francisco?"
    assert record.messages[1].tool_calls[0]["function"]["name"] == "getWeather"
    assert "64" in record.messages[2].content and record.variant == "gpt-5"


def test_langfuse_traces_file_alone_uses_trace_input_output():
    _, [record], _ = read_all(sample("langfuse", "blob-export", "traces.constructed.jsonl"))
    assert roles(record) == ["user", "assistant"]  # double-encoded input decoded
    assert record.messages[0].content == "What is the weather like today in San Francisco?"


def test_langfuse_ui_download_openai_agents_trace():
    fmt, [record], _ = read_all(sample("langfuse", "ui-trace-download",
                                            "openai-agents-2025-09-30.trace.json"))
    assert fmt == "langfuse"
    assert roles(record) == ["user", "assistant", "tool", "assistant"]
    assert record.messages[-1].content.startswith("The weather in Tokyo is currently sunny")
    assert record.meta["scores"]["hallucination"] == 0


def test_langfuse_public_api_trace_and_session():
    _, [trace], _ = read_all(sample("langfuse", "public-api", "get-trace-with-observations.constructed.json"))
    _, [session], _ = read_all(sample("langfuse", "public-api", "get-session-with-traces.constructed.json"))
    assert trace.external_id == session.external_id == "session:chat-session-42"
    assert trace.messages[0].content == session.messages[0].content


def test_langfuse_user_feedback_score_and_session_merge(tmp_path):
    def trace(tid, ts, question, answer, history=()):
        messages = [*history, {"role": "user", "content": question}]
        return {"id": tid, "timestamp": ts, "sessionId": "s1", "userId": "u9",
                "scores": [{"name": "user-feedback", "value": 0, "dataType": "BOOLEAN", "source": "API"}],
                "observations": [{"id": f"o{tid}", "traceId": tid, "type": "GENERATION", "startTime": ts,
                                  "input": json.dumps(messages), "output": json.dumps({"role": "assistant",
                                                                                      "content": answer})}]}
    path = write(tmp_path, "traces.jsonl", jsonl(
        trace("t2", "2026-01-01T10:01:00Z", "and now?", "still no", history=[
            {"role": "user", "content": "why?"}, {"role": "assistant", "content": "because"}]),
        trace("t1", "2026-01-01T10:00:00Z", "why?", "because"),
    ))
    fmt, [record], _ = read_all(path)
    assert fmt == "langfuse" and [m.content for m in record.messages] == ["why?", "because", "and now?", "still no"]
    assert record.explicit_feedback == -1.0 and record.user_id == "u9"


# --- OpenTelemetry ------------------------------------------------------------------------------------------


def test_otel_span_attributes_grouped_by_conversation_id():
    fmt, [record], rejected = read_all(sample("otel-genai",
                                                   "otlp-traces-genai-span-attributes.constructed.json"))
    assert fmt == "otel" and not rejected
    assert record.external_id == "conv_5j66UpCpwteGg4YSxUnt7lPY" and record.variant == "gpt-4"
    assert roles(record) == ["user", "assistant", "tool", "assistant"]
    assert record.messages[1].tool_calls[0]["function"]["name"] == "get_weather"
    assert record.messages[-1].content.startswith("The weather in Paris is currently rainy")
    assert record.started_at.isoformat() == "2025-01-31T08:45:00+00:00"


def test_otel_legacy_log_events():
    fmt, [record], _ = read_all(sample("otel-genai", "otlp-logs-genai-legacy-events.constructed.json"))
    assert fmt == "otel" and roles(record) == ["user", "assistant", "tool", "assistant"]
    assert record.messages[2].content == "rainy, 57°F"


def test_otel_spans_without_content_are_reported_not_imported():
    _, records, [rejection] = read_all(sample("otel-genai",
                                                   "otlp-traces-genai-legacy-spans-without-content.constructed.json"))
    assert not records and "no GenAI messages" in rejection.reason


@pytest.mark.parametrize("parts", [
    ("otel-genai", "openinference-genai-fixtures", "otel_genai_client_span_tool_calls.json"),
    ("otel-genai", "openinference-genai-fixtures", "otel_genai_deprecated_client_span_tool_calls.json"),
    ("openinference", "fixtures-attribute-maps", "openinference_client_span_tool_calls.json"),
    ("openinference", "fixtures-attribute-maps", "openinference_client_span_input_output_only.json"),
    ("openinference", "otlp-traces-openinference-llm-span-with-session.constructed.json"),
])
def test_otel_and_openinference_attribute_shapes_give_the_same_conversation(parts):
    fmt, [record], _ = read_all(sample(*parts))
    assert fmt == "otel"
    assert [m.content for m in record.messages][0] == "Weather in Paris?"
    assert roles(record) == ["user", "assistant", "tool", "assistant"]
    assert record.messages[-1].content == "The weather in Paris is currently rainy with a temperature of 57°F."


def test_openinference_session_and_user_ids():
    _, [record], _ = read_all(sample("openinference",
                                          "otlp-traces-openinference-llm-span-with-session.constructed.json"))
    assert record.user_id == "user-123" and record.variant == "gpt-4-0613"


def test_openinference_spec_span_with_system_prompt_and_tool_result():
    _, [record], _ = read_all(sample("openinference", "spec-examples", "llm-span-synthesis-after-tool.json"))
    assert roles(record) == ["system", "user", "assistant", "tool", "assistant"]
    assert record.messages[3].content == "2001"


# --- Human:/Assistant: transcripts ----------------------------------------------------------------------------


def test_hh_transcripts_keep_the_rejected_reply(tmp_path):
    path = tmp_path / "hh.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(jsonl({"chosen": "\n\nHuman: How do I bake bread?\n\nAssistant: Mix flour and water.\n\n"
                                 "Human: Then?\n\nAssistant: Knead it.",
                       "rejected": "\n\nHuman: How do I bake bread?\n\nAssistant: Mix flour and water.\n\n"
                                   "Human: Then?\n\nAssistant: Buy some."}))
    fmt, [record], _ = read_all(path)
    assert fmt == "hh" and roles(record) == ["user", "assistant", "user", "assistant"]
    assert record.messages[-1].content == "Knead it." and record.meta == {"rejected_reply": "Buy some."}
    assert record.external_id.startswith("sha256:")


def test_hh_rlhf_file_is_read_gzipped():
    fmt, records, rejected = read_all(shared_data("hh-rlhf", "harmless-base-test.jsonl.gz"))
    assert fmt == "hh" and len(records) == 2312 and not rejected  # empty turns are rejected later, by the loader
    assert all(r.messages[0].role == "user" for r in records)
