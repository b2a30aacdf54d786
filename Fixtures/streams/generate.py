#!/usr/bin/env python3
"""Writes the fixture streams and their expected events.

The stream bytes are built here so CR/LF and UTF-8 are exact. The expected
events are written out by hand from the rules in README.md, as literals: they
are never computed from the streams, so they are an independent reading of
the rules that the decoder is checked against.

    python3 Fixtures/streams/generate.py
"""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))

def j(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)

def sse(events, sep="\n"):
    """events: list of (name or None, data) where data is a dict (JSON) or str."""
    out = ""
    for name, data in events:
        if name is not None:
            out += f"event: {name}{sep}"
        out += f"data: {data if isinstance(data, str) else j(data)}{sep}{sep}"
    return out

def write(provider, case, ext, body, expected):
    d = os.path.join(HERE, provider)
    os.makedirs(d, exist_ok=True)
    data = body if isinstance(body, bytes) else body.encode("utf-8")
    with open(os.path.join(d, f"{case}.{ext}"), "wb") as f:
        f.write(data)
    expected = {"provider": provider, **expected}
    lines = ",\n    ".join(j(e) for e in expected.pop("events"))
    head = j(expected)[:-1]
    with open(os.path.join(d, f"{case}.expected.json"), "w", encoding="utf-8") as f:
        f.write(head + ',\n  "events": [\n    ' + lines + "\n  ]\n}\n")

# ---------------------------------------------------------------- OpenAI Chat
CHAT_PATH = "/v1/chat/completions"
M = "gpt-4o-mini-2024-07-18"

def chunk(delta, finish=None, usage=None, model=M, extra=None, choices=None):
    c = {"id": "chatcmpl-RPLY0001", "object": "chat.completion.chunk", "created": 1767225600, "model": model,
         "choices": choices if choices is not None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
    if usage is not None:
        c["usage"] = usage
    if extra:
        c.update(extra)
    return c

ROLE = {"role": "assistant", "content": "", "refusal": None}
USAGE = {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16,
         "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
         "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}
DONE = (None, "[DONE]")

write("openai-chat", "text", "sse", sse([
    (None, chunk(ROLE)), (None, chunk({"content": "Hello"})), (None, chunk({"content": ", world!"})),
    (None, chunk({}, "stop")), DONE]), {
    "path": CHAT_PATH, "model": M, "end_reason": "completed", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Hello"}, {"class": "content", "text": ", world!"},
        {"class": "other", "finish": "stop"}, {"class": "done"}]})

write("openai-chat", "usage", "sse", sse([
    (None, chunk(ROLE, usage=None)), (None, chunk({"content": "Hello"})), (None, chunk({"content": ", world!"})),
    (None, chunk({}, "stop")), (None, chunk(None, choices=[], usage=USAGE)), DONE]), {
    "path": CHAT_PATH, "model": M, "end_reason": "completed", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Hello"}, {"class": "content", "text": ", world!"},
        {"class": "other", "finish": "stop"},
        {"class": "usage", "usage": {"input": 12, "output": 4, "reasoning": 0, "cached": 0}}, {"class": "done"}]})

write("openai-chat", "tool-call", "sse", sse([
    (None, chunk({"role": "assistant", "content": None, "refusal": None, "tool_calls": [
        {"index": 0, "id": "call_RPLYw3ath3r", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]})),
    (None, chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"ci"}}]})),
    (None, chunk({"tool_calls": [{"index": 0, "function": {"arguments": "ty\": \"Paris\"}"}}]})),
    (None, chunk({}, "tool_calls")), DONE]), {
    "path": CHAT_PATH, "model": M, "end_reason": "completed", "events": [
        {"class": "tool_call", "tool": {"index": 0, "id": "call_RPLYw3ath3r", "name": "get_weather", "arguments": ""}},
        {"class": "tool_call", "tool": {"index": 0, "arguments": "{\"ci"}},
        {"class": "tool_call", "tool": {"index": 0, "arguments": "ty\": \"Paris\"}"}},
        {"class": "other", "finish": "tool_calls"}, {"class": "done"}]})

write("openai-chat", "reasoning", "sse", sse([
    (None, chunk(ROLE, model="deepseek-reasoner")),
    (None, chunk({"reasoning_content": "The user greets me."}, model="deepseek-reasoner")),
    (None, chunk({"reasoning_content": " Reply briefly."}, model="deepseek-reasoner")),
    (None, chunk({"content": "Hello!"}, model="deepseek-reasoner")),
    (None, chunk({}, "stop", model="deepseek-reasoner")), DONE]), {
    "path": CHAT_PATH, "model": "deepseek-reasoner", "end_reason": "completed", "events": [
        {"class": "role_only"}, {"class": "reasoning", "text": "The user greets me."},
        {"class": "reasoning", "text": " Reply briefly."}, {"class": "content", "text": "Hello!"},
        {"class": "other", "finish": "stop"}, {"class": "done"}]})

write("openai-chat", "error", "sse", sse([
    (None, chunk(ROLE)), (None, chunk({"content": "Hello"})),
    (None, {"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": None, "code": None}})]), {
    "path": CHAT_PATH, "model": M, "end_reason": "provider_error", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Hello"},
        {"class": "error", "error": {"message": "The server had an error while processing your request.", "code": "server_error"}}]})

write("openai-chat", "cutoff", "sse", sse([
    (None, chunk(ROLE)), (None, chunk({"content": "Hello"})), (None, chunk({"content": ", wor"}))]), {
    "path": CHAT_PATH, "model": M, "end_reason": "eof_without_done", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Hello"}, {"class": "content", "text": ", wor"}]})

write("openai-chat", "length", "sse", sse([
    (None, chunk(ROLE)), (None, chunk({"content": "Hello, wor"})), (None, chunk({}, "length")), DONE]), {
    "path": CHAT_PATH, "model": M, "end_reason": "length", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Hello, wor"}, {"class": "other", "finish": "length"},
        {"class": "done"}]})

write("openai-chat", "content-filter", "sse", sse([
    (None, chunk(ROLE)), (None, chunk({"content": "I can"})), (None, chunk({}, "content_filter")), DONE]), {
    "path": CHAT_PATH, "model": M, "end_reason": "filtered", "events": [
        {"class": "role_only"}, {"class": "content", "text": "I can"}, {"class": "other", "finish": "content_filter"},
        {"class": "done"}]})

write("openai-chat", "crlf", "sse", sse([
    (None, chunk(ROLE)), (None, chunk({"content": "Hello"})), (None, chunk({"content": ", world!"})),
    (None, chunk({}, "stop")), DONE], sep="\r\n"), {
    "path": CHAT_PATH, "model": M, "end_reason": "completed", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Hello"}, {"class": "content", "text": ", world!"},
        {"class": "other", "finish": "stop"}, {"class": "done"}]})

write("openai-chat", "incomplete-final", "sse", sse([
    (None, chunk(ROLE)), (None, chunk({"content": "Hello"})), (None, chunk({}, "stop"))]) + "data: [DONE]\n", {
    "path": CHAT_PATH, "model": M, "end_reason": "completed", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Hello"}, {"class": "other", "finish": "stop"},
        {"class": "done", "incomplete": True}]})

multiline = j(chunk({"content": "Hello"})).replace(',"choices"', '\ndata: ,"choices"')
write("openai-chat", "multiline-data", "sse",
      sse([(None, chunk(ROLE))]) + "data: " + multiline + "\n\n" + sse([(None, chunk({}, "stop")), DONE]), {
    "path": CHAT_PATH, "model": M, "end_reason": "completed", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Hello"}, {"class": "other", "finish": "stop"},
        {"class": "done"}]})

write("openai-chat", "not-json", "sse", sse([
    (None, chunk(ROLE)), (None, "keep-alive"), (None, chunk({"content": "Hi"})), (None, chunk({}, "stop")), DONE]), {
    "path": CHAT_PATH, "model": M, "end_reason": "completed", "events": [
        {"class": "role_only"}, {"class": "other", "anomaly": "not_json"}, {"class": "content", "text": "Hi"},
        {"class": "other", "finish": "stop"}, {"class": "done"}]})

V = "Qwen/Qwen3-8B"
write("openai-chat", "vllm-reasoning", "sse", sse([
    (None, chunk({"role": "assistant", "content": ""}, model=V)),
    (None, chunk({"reasoning": "Greeting; answer short."}, model=V)),
    (None, chunk({"content": "Hi there"}, model=V)),
    (None, chunk({}, "stop", model=V)),
    (None, chunk(None, model=V, choices=[], usage={"prompt_tokens": 9, "completion_tokens": 11, "total_tokens": 20,
                                                    "completion_tokens_details": {"reasoning_tokens": 7}})),
    DONE]), {
    "path": CHAT_PATH, "model": V, "end_reason": "completed", "events": [
        {"class": "role_only"}, {"class": "reasoning", "text": "Greeting; answer short."},
        {"class": "content", "text": "Hi there"}, {"class": "other", "finish": "stop"},
        {"class": "usage", "usage": {"input": 9, "output": 11, "reasoning": 7}}, {"class": "done"}]})

L = "qwen3-0.6b-q8_0.gguf"
timings = {"prompt_n": 10, "prompt_ms": 12.5, "predicted_n": 3, "predicted_ms": 30.0, "predicted_per_second": 100.0}
write("openai-chat", "llamacpp-reasoning-content", "sse", sse([
    (None, chunk({"role": "assistant", "content": None}, model=L)),
    (None, chunk({"reasoning_content": "Think."}, model=L, extra={"timings": timings})),
    (None, chunk({"content": "Hello"}, model=L, extra={"timings": timings})),
    (None, chunk({}, "stop", model=L, extra={"timings": timings})),
    DONE]), {
    "path": CHAT_PATH, "model": L, "end_reason": "completed", "events": [
        {"class": "role_only"}, {"class": "reasoning", "text": "Think."}, {"class": "content", "text": "Hello"},
        {"class": "other", "finish": "stop"}, {"class": "done"}]})

write("openai-chat", "llamacpp-legacy-error", "sse", sse([
    (None, chunk({"role": "assistant", "content": None}, model=L)), (None, chunk({"content": "Hello"}, model=L))])
    + 'error: {"code":500,"message":"context shift is disabled","type":"server_error"}\n\n' + sse([DONE]), {
    "path": CHAT_PATH, "model": L, "end_reason": "provider_error", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Hello"},
        {"class": "error", "error": {"message": "context shift is disabled", "code": "500"}}, {"class": "done"}]})

write("openai-chat", "tgi-string-error", "sse", sse([
    (None, chunk({"role": "assistant", "content": "Hel"}, model="tgi")),
    (None, {"error": "Request failed during generation: Server error: CUDA out of memory", "error_type": "generation"})]), {
    "path": CHAT_PATH, "model": "tgi", "end_reason": "provider_error", "events": [
        {"class": "content", "text": "Hel"},
        {"class": "error", "error": {"message": "Request failed during generation: Server error: CUDA out of memory"}}]})

O = "openai/gpt-4o-mini"
write("openai-chat", "openrouter-comments", "sse",
      ": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n" + sse([(None, chunk(ROLE, model=O))])
      + ": OPENROUTER PROCESSING\n\n" + sse([(None, chunk({"content": "Hi"}, model=O)), (None, chunk({}, "stop", model=O)), DONE]), {
    "path": CHAT_PATH, "model": O, "end_reason": "completed", "events": [
        {"class": "keepalive"}, {"class": "keepalive"}, {"class": "role_only"}, {"class": "keepalive"},
        {"class": "content", "text": "Hi"}, {"class": "other", "finish": "stop"}, {"class": "done"}]})

write("openai-chat", "usage-on-finish", "sse", sse([
    (None, chunk({"role": "assistant", "content": "Hi"})),
    (None, chunk({}, "stop", usage={"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4})), DONE]), {
    "path": CHAT_PATH, "model": M, "end_reason": "completed", "events": [
        {"class": "content", "text": "Hi"}, {"class": "other", "finish": "stop", "usage": {"input": 3, "output": 1}},
        {"class": "done"}]})

write("openai-chat", "utf8", "sse", sse([
    (None, chunk(ROLE)), (None, chunk({"content": "Grüße, "})), (None, chunk({"content": "世界 "})),
    (None, chunk({"content": "😀"})), (None, chunk({}, "stop")), DONE]), {
    "path": CHAT_PATH, "model": M, "end_reason": "completed", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Grüße, "}, {"class": "content", "text": "世界 "},
        {"class": "content", "text": "😀"}, {"class": "other", "finish": "stop"}, {"class": "done"}]})

# ------------------------------------------------------ OpenAI legacy Completions
CMPL_PATH = "/v1/completions"
CM = "gpt-3.5-turbo-instruct"
def cmpl(text, finish=None, choices=None, usage=None):
    c = {"id": "cmpl-RPLY0001", "object": "text_completion", "created": 1767225600, "model": CM,
         "choices": choices if choices is not None else [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish}]}
    if usage is not None:
        c["usage"] = usage
    return c

write("openai-completions", "text", "sse", sse([
    (None, cmpl("Hello")), (None, cmpl(", world!")), (None, cmpl("", "stop")), DONE]), {
    "path": CMPL_PATH, "model": CM, "end_reason": "completed", "events": [
        {"class": "content", "text": "Hello"}, {"class": "content", "text": ", world!"},
        {"class": "other", "finish": "stop"}, {"class": "done"}]})

write("openai-completions", "usage", "sse", sse([
    (None, cmpl("Hello")), (None, cmpl(", world!")), (None, cmpl("", "stop")),
    (None, cmpl(None, choices=[], usage={"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9})), DONE]), {
    "path": CMPL_PATH, "model": CM, "end_reason": "completed", "events": [
        {"class": "content", "text": "Hello"}, {"class": "content", "text": ", world!"},
        {"class": "other", "finish": "stop"}, {"class": "usage", "usage": {"input": 5, "output": 4}}, {"class": "done"}]})

write("openai-completions", "error", "sse", sse([
    (None, cmpl("Hello")), (None, {"error": {"message": "Rate limit reached", "type": "requests", "param": None, "code": "rate_limit_exceeded"}})]), {
    "path": CMPL_PATH, "model": CM, "end_reason": "provider_error", "events": [
        {"class": "content", "text": "Hello"},
        {"class": "error", "error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}}]})

write("openai-completions", "cutoff", "sse", sse([(None, cmpl("Hello")), (None, cmpl(", wor"))]), {
    "path": CMPL_PATH, "model": CM, "end_reason": "eof_without_done", "events": [
        {"class": "content", "text": "Hello"}, {"class": "content", "text": ", wor"}]})

write("openai-completions", "length", "sse", sse([(None, cmpl("Hello, wor", "length")), DONE]), {
    "path": CMPL_PATH, "model": CM, "end_reason": "length", "events": [
        {"class": "content", "text": "Hello, wor", "finish": "length"}, {"class": "done"}]})

# ------------------------------------------------------------ OpenAI Responses
RESP_PATH = "/v1/responses"
RM = "gpt-4.1-mini-2025-04-14"
def resp_obj(status, output=None, usage=None, **extra):
    r = {"id": "resp_RPLY0001", "object": "response", "created_at": 1767225600, "status": status, "model": RM,
         "output": output or [], "usage": usage}
    r.update(extra)
    return r

def rev(seq, type_, **fields):
    return (type_, {"type": type_, "sequence_number": seq, **fields})

RUSAGE = {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0}, "output_tokens": 4,
          "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 16}
MSG_DONE = {"id": "msg_RPLY0001", "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "annotations": [], "text": "Hello, world!"}]}

def resp_text_events(last):
    return [
        rev(0, "response.created", response=resp_obj("in_progress")),
        rev(1, "response.in_progress", response=resp_obj("in_progress")),
        rev(2, "response.output_item.added", output_index=0, item={"id": "msg_RPLY0001", "type": "message", "status": "in_progress", "role": "assistant", "content": []}),
        rev(3, "response.content_part.added", item_id="msg_RPLY0001", output_index=0, content_index=0, part={"type": "output_text", "annotations": [], "text": ""}),
        rev(4, "response.output_text.delta", item_id="msg_RPLY0001", output_index=0, content_index=0, delta="Hello", logprobs=[]),
        rev(5, "response.output_text.delta", item_id="msg_RPLY0001", output_index=0, content_index=0, delta=", world!", logprobs=[]),
    ] + last

TEXT_HEAD = [{"class": "other"}, {"class": "other"}, {"class": "other"}, {"class": "other"},
             {"class": "content", "text": "Hello"}, {"class": "content", "text": ", world!"}]

write("openai-responses", "text", "sse", sse(resp_text_events([
    rev(6, "response.output_text.done", item_id="msg_RPLY0001", output_index=0, content_index=0, text="Hello, world!", logprobs=[]),
    rev(7, "response.output_item.done", output_index=0, item=MSG_DONE),
    rev(8, "response.completed", response=resp_obj("completed", [MSG_DONE], RUSAGE))])), {
    "path": RESP_PATH, "model": RM, "end_reason": "completed", "events": TEXT_HEAD + [
        {"class": "other"}, {"class": "other"},
        {"class": "done", "finish": "completed", "usage": {"input": 12, "output": 4, "reasoning": 0, "cached": 0}}]})

write("openai-responses", "usage", "sse", sse(resp_text_events([
    rev(6, "response.completed", response=resp_obj("completed", [MSG_DONE], {**RUSAGE, "input_tokens": 2048,
        "input_tokens_details": {"cached_tokens": 1024}, "output_tokens": 70, "output_tokens_details": {"reasoning_tokens": 64}}))])), {
    "path": RESP_PATH, "model": RM, "end_reason": "completed", "events": TEXT_HEAD + [
        {"class": "done", "finish": "completed", "usage": {"input": 2048, "output": 70, "reasoning": 64, "cached": 1024}}]})

write("openai-responses", "error", "sse", sse(resp_text_events([
    rev(6, "error", error={"type": "server_error", "code": "server_error", "message": "The model failed to generate a response.", "param": None})])), {
    "path": RESP_PATH, "model": RM, "end_reason": "provider_error", "events": TEXT_HEAD + [
        {"class": "error", "error": {"message": "The model failed to generate a response.", "code": "server_error"}}]})

write("openai-responses", "error-flat", "sse", sse(resp_text_events([
    rev(6, "error", code="rate_limit_exceeded", message="Too many tokens.", param=None),
    rev(7, "response.failed", response=resp_obj("failed", error={"code": "rate_limit_exceeded", "message": "Too many tokens."}))])), {
    "path": RESP_PATH, "model": RM, "end_reason": "provider_error", "events": TEXT_HEAD + [
        {"class": "error", "error": {"message": "Too many tokens.", "code": "rate_limit_exceeded"}},
        {"class": "error", "finish": "failed", "error": {"message": "Too many tokens.", "code": "rate_limit_exceeded"}}]})

write("openai-responses", "incomplete", "sse", sse(resp_text_events([
    rev(6, "response.incomplete", response=resp_obj("incomplete", [MSG_DONE], RUSAGE, incomplete_details={"reason": "max_output_tokens"}))])), {
    "path": RESP_PATH, "model": RM, "end_reason": "length", "events": TEXT_HEAD + [
        {"class": "done", "finish": "max_output_tokens", "usage": {"input": 12, "output": 4, "reasoning": 0, "cached": 0}}]})

write("openai-responses", "cutoff", "sse", sse(resp_text_events([])), {
    "path": RESP_PATH, "model": RM, "end_reason": "eof_without_done", "events": TEXT_HEAD})

FC_DONE = {"id": "fc_RPLY0001", "type": "function_call", "status": "completed", "arguments": "{\"city\":\"Paris\"}", "call_id": "call_RPLYw3ath3r", "name": "get_weather"}
RS_DONE = {"id": "rs_RPLY0001", "type": "reasoning", "summary": [{"type": "summary_text", "text": "Need the weather for Paris."}]}
write("openai-responses", "reasoning", "sse", sse([
    rev(0, "response.created", response=resp_obj("in_progress")),
    rev(1, "response.in_progress", response=resp_obj("in_progress")),
    rev(2, "response.output_item.added", output_index=0, item={"id": "rs_RPLY0001", "type": "reasoning", "summary": []}),
    rev(3, "response.reasoning_summary_part.added", item_id="rs_RPLY0001", output_index=0, summary_index=0, part={"type": "summary_text", "text": ""}),
    rev(4, "response.reasoning_summary_text.delta", item_id="rs_RPLY0001", output_index=0, summary_index=0, delta="Need the weather"),
    rev(5, "response.reasoning_summary_text.delta", item_id="rs_RPLY0001", output_index=0, summary_index=0, delta=" for Paris."),
    rev(6, "response.reasoning_summary_text.done", item_id="rs_RPLY0001", output_index=0, summary_index=0, text="Need the weather for Paris."),
    rev(7, "response.reasoning_summary_part.done", item_id="rs_RPLY0001", output_index=0, summary_index=0, part={"type": "summary_text", "text": "Need the weather for Paris."}),
    rev(8, "response.output_item.done", output_index=0, item=RS_DONE),
    rev(9, "response.output_item.added", output_index=1, item={"id": "fc_RPLY0001", "type": "function_call", "status": "in_progress", "arguments": "", "call_id": "call_RPLYw3ath3r", "name": "get_weather"}),
    rev(10, "response.function_call_arguments.delta", item_id="fc_RPLY0001", output_index=1, delta="{\"city\":"),
    rev(11, "response.function_call_arguments.delta", item_id="fc_RPLY0001", output_index=1, delta="\"Paris\"}"),
    rev(12, "response.function_call_arguments.done", item_id="fc_RPLY0001", output_index=1, arguments="{\"city\":\"Paris\"}"),
    rev(13, "response.output_item.done", output_index=1, item=FC_DONE),
    rev(14, "response.completed", response=resp_obj("completed", [RS_DONE, FC_DONE], {**RUSAGE, "output_tokens": 80, "output_tokens_details": {"reasoning_tokens": 64}}))]), {
    "path": RESP_PATH, "model": RM, "end_reason": "completed", "events": [
        {"class": "other"}, {"class": "other"}, {"class": "other"}, {"class": "other"},
        {"class": "reasoning", "text": "Need the weather"}, {"class": "reasoning", "text": " for Paris."},
        {"class": "other"}, {"class": "other"}, {"class": "other"},
        {"class": "tool_call", "tool": {"index": 1, "id": "call_RPLYw3ath3r", "name": "get_weather", "arguments": ""}},
        {"class": "tool_call", "tool": {"index": 1, "arguments": "{\"city\":"}},
        {"class": "tool_call", "tool": {"index": 1, "arguments": "\"Paris\"}"}},
        {"class": "other"}, {"class": "other"},
        {"class": "done", "finish": "completed", "usage": {"input": 12, "output": 80, "reasoning": 64, "cached": 0}}]})

write("openai-responses", "tool-call", "sse", sse([
    rev(0, "response.created", response=resp_obj("in_progress")),
    rev(1, "response.output_item.added", output_index=0, item={"id": "fc_RPLY0001", "type": "function_call", "status": "in_progress", "arguments": "", "call_id": "call_RPLYw3ath3r", "name": "get_weather"}),
    rev(2, "response.function_call_arguments.delta", item_id="fc_RPLY0001", output_index=0, delta="{\"city\":\"Paris\"}"),
    rev(3, "response.function_call_arguments.done", item_id="fc_RPLY0001", output_index=0, arguments="{\"city\":\"Paris\"}"),
    rev(4, "response.output_item.done", output_index=0, item=FC_DONE),
    rev(5, "response.completed", response=resp_obj("completed", [FC_DONE], RUSAGE))]), {
    "path": RESP_PATH, "model": RM, "end_reason": "completed", "events": [
        {"class": "other"},
        {"class": "tool_call", "tool": {"index": 0, "id": "call_RPLYw3ath3r", "name": "get_weather", "arguments": ""}},
        {"class": "tool_call", "tool": {"index": 0, "arguments": "{\"city\":\"Paris\"}"}},
        {"class": "other"}, {"class": "other"},
        {"class": "done", "finish": "completed", "usage": {"input": 12, "output": 4, "reasoning": 0, "cached": 0}}]})

# ------------------------------------------------------------------ Anthropic
MSG_PATH = "/v1/messages"
AM = "claude-sonnet-4-5-20250929"
def a(type_, **fields):
    return (type_, {"type": type_, **fields})

A_START = a("message_start", message={"id": "msg_01RPLYabc", "type": "message", "role": "assistant", "model": AM, "content": [],
            "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 21, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 1}})
A_START_E = {"class": "role_only", "usage": {"input": 21, "output": 1, "cached": 0}}
def text_block(i, *parts):
    return [a("content_block_start", index=i, content_block={"type": "text", "text": ""})] + [
        a("content_block_delta", index=i, delta={"type": "text_delta", "text": p}) for p in parts] + [
        a("content_block_stop", index=i)]

write("anthropic", "text", "sse", sse([A_START] + text_block(0, "Hello")[:1] + [a("ping")] + text_block(0, "Hello", ", world!")[1:] + [
    a("message_delta", delta={"stop_reason": "end_turn", "stop_sequence": None}, usage={"output_tokens": 6}),
    a("message_stop")]), {
    "path": MSG_PATH, "model": AM, "end_reason": "completed", "events": [
        A_START_E, {"class": "other"}, {"class": "keepalive"}, {"class": "content", "text": "Hello"},
        {"class": "content", "text": ", world!"}, {"class": "other"},
        {"class": "usage", "finish": "end_turn", "usage": {"output": 6}}, {"class": "done"}]})

write("anthropic", "usage", "sse", sse([
    a("message_start", message={"id": "msg_01RPLYabc", "type": "message", "role": "assistant", "model": AM, "content": [],
      "stop_reason": None, "stop_sequence": None,
      "usage": {"input_tokens": 10, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 2000, "output_tokens": 1, "service_tier": "standard"}})]
    + text_block(0, "Hi") + [
    a("message_delta", delta={"stop_reason": "end_turn", "stop_sequence": None},
      usage={"input_tokens": 10, "cache_creation_input_tokens": 100, "cache_read_input_tokens": 2000, "output_tokens": 3}),
    a("message_stop")]), {
    "path": MSG_PATH, "model": AM, "end_reason": "completed", "events": [
        {"class": "role_only", "usage": {"input": 2110, "output": 1, "cached": 2000}}, {"class": "other"},
        {"class": "content", "text": "Hi"}, {"class": "other"},
        {"class": "usage", "finish": "end_turn", "usage": {"input": 2110, "output": 3, "cached": 2000}}, {"class": "done"}]})

write("anthropic", "reasoning", "sse", sse([A_START,
    a("content_block_start", index=0, content_block={"type": "thinking", "thinking": "", "signature": ""}),
    a("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "The user wants Paris weather;"}),
    a("content_block_delta", index=0, delta={"type": "signature_delta", "signature": "RXhhbXBsZVNpZ25hdHVyZQ=="}),
    a("content_block_stop", index=0)] + text_block(1, "Checking.") + [
    a("content_block_start", index=2, content_block={"type": "tool_use", "id": "toolu_01RPLYw3ath3r", "name": "get_weather", "input": {}}),
    a("content_block_delta", index=2, delta={"type": "input_json_delta", "partial_json": ""}),
    a("content_block_delta", index=2, delta={"type": "input_json_delta", "partial_json": "{\"city\": \"Pa"}),
    a("content_block_delta", index=2, delta={"type": "input_json_delta", "partial_json": "ris\"}"}),
    a("content_block_stop", index=2),
    a("message_delta", delta={"stop_reason": "tool_use", "stop_sequence": None}, usage={"output_tokens": 89}),
    a("message_stop")]), {
    "path": MSG_PATH, "model": AM, "end_reason": "completed", "events": [
        A_START_E, {"class": "other"}, {"class": "reasoning", "text": "The user wants Paris weather;"},
        {"class": "other"}, {"class": "other"},
        {"class": "other"}, {"class": "content", "text": "Checking."}, {"class": "other"},
        {"class": "tool_call", "tool": {"index": 2, "id": "toolu_01RPLYw3ath3r", "name": "get_weather", "arguments": ""}},
        {"class": "tool_call", "tool": {"index": 2, "arguments": ""}},
        {"class": "tool_call", "tool": {"index": 2, "arguments": "{\"city\": \"Pa"}},
        {"class": "tool_call", "tool": {"index": 2, "arguments": "ris\"}"}},
        {"class": "other"}, {"class": "usage", "finish": "tool_use", "usage": {"output": 89}}, {"class": "done"}]})

write("anthropic", "tool-call", "sse", sse([A_START,
    a("content_block_start", index=0, content_block={"type": "tool_use", "id": "toolu_01RPLYw3ath3r", "name": "get_weather", "input": {}}),
    a("content_block_delta", index=0, delta={"type": "input_json_delta", "partial_json": "{\"city\": \"Paris\"}"}),
    a("content_block_stop", index=0),
    a("message_delta", delta={"stop_reason": "tool_use", "stop_sequence": None}, usage={"output_tokens": 30}),
    a("message_stop")]), {
    "path": MSG_PATH, "model": AM, "end_reason": "completed", "events": [
        A_START_E, {"class": "tool_call", "tool": {"index": 0, "id": "toolu_01RPLYw3ath3r", "name": "get_weather", "arguments": ""}},
        {"class": "tool_call", "tool": {"index": 0, "arguments": "{\"city\": \"Paris\"}"}}, {"class": "other"},
        {"class": "usage", "finish": "tool_use", "usage": {"output": 30}}, {"class": "done"}]})

write("anthropic", "error", "sse", sse([A_START] + text_block(0, "Hello")[:2] + [
    a("error", error={"type": "overloaded_error", "message": "Overloaded"})]), {
    "path": MSG_PATH, "model": AM, "end_reason": "provider_error", "events": [
        A_START_E, {"class": "other"}, {"class": "content", "text": "Hello"},
        {"class": "error", "error": {"message": "Overloaded", "code": "overloaded_error"}}]})

write("anthropic", "cutoff", "sse", sse([A_START] + text_block(0, "Hello", ", wor")[:3]), {
    "path": MSG_PATH, "model": AM, "end_reason": "eof_without_done", "events": [
        A_START_E, {"class": "other"}, {"class": "content", "text": "Hello"}, {"class": "content", "text": ", wor"}]})

write("anthropic", "max-tokens", "sse", sse([A_START] + text_block(0, "Hello, wor") + [
    a("message_delta", delta={"stop_reason": "max_tokens", "stop_sequence": None}, usage={"output_tokens": 5}),
    a("message_stop")]), {
    "path": MSG_PATH, "model": AM, "end_reason": "length", "events": [
        A_START_E, {"class": "other"}, {"class": "content", "text": "Hello, wor"}, {"class": "other"},
        {"class": "usage", "finish": "max_tokens", "usage": {"output": 5}}, {"class": "done"}]})

# --------------------------------------------------------------------- Gemini
GEM_PATH = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
GM = "gemini-2.5-flash"
def g(parts, finish=None, usage=None):
    c = {"candidates": [{"content": {"parts": parts, "role": "model"}, "index": 0}], "modelVersion": GM, "responseId": "RPLYgemini0001"}
    if finish:
        c["candidates"][0]["finishReason"] = finish
    if usage:
        c["usageMetadata"] = usage
    return (None, c)

U7 = {"promptTokenCount": 7, "totalTokenCount": 7}
U_FINAL = {"promptTokenCount": 7, "candidatesTokenCount": 4, "totalTokenCount": 11}
gem_text = [g([{"text": "Hello"}], usage=U7), g([{"text": ", world"}], usage=U7), g([{"text": "!"}], "STOP", U_FINAL)]
gem_text_e = [{"class": "content", "text": "Hello", "usage": {"input": 7}},
              {"class": "content", "text": ", world", "usage": {"input": 7}},
              {"class": "content", "text": "!", "finish": "STOP", "usage": {"input": 7, "output": 4}},
              {"class": "done"}]

write("gemini", "text", "sse", sse(gem_text), {"path": GEM_PATH, "model": GM, "end_reason": "completed", "events": gem_text_e})
write("gemini", "crlf", "sse", sse(gem_text, sep="\r\n"), {"path": GEM_PATH, "model": GM, "end_reason": "completed", "events": gem_text_e})

write("gemini", "usage", "sse", sse([
    g([{"text": "Hi"}], usage={"promptTokenCount": 7, "totalTokenCount": 7}),
    g([{"text": "", "thoughtSignature": "RXhhbXBsZQ=="}], "STOP",
      {"promptTokenCount": 7, "candidatesTokenCount": 2, "thoughtsTokenCount": 12, "cachedContentTokenCount": 4, "totalTokenCount": 21})]), {
    "path": GEM_PATH, "model": GM, "end_reason": "completed", "events": [
        {"class": "content", "text": "Hi", "usage": {"input": 7}},
        {"class": "usage", "finish": "STOP", "usage": {"input": 7, "output": 14, "reasoning": 12, "cached": 4}},
        {"class": "done"}]})

write("gemini", "reasoning", "sse", sse([
    g([{"text": "**Planning** I should call get_weather.", "thought": True}], usage={"promptTokenCount": 30, "totalTokenCount": 30}),
    g([{"functionCall": {"name": "get_weather", "args": {"city": "Paris", "unit": "c"}}, "thoughtSignature": "RXhhbXBsZVNpZw=="}], "STOP",
      {"promptTokenCount": 30, "candidatesTokenCount": 15, "thoughtsTokenCount": 48, "totalTokenCount": 93})]), {
    "path": GEM_PATH, "model": GM, "end_reason": "completed", "events": [
        {"class": "reasoning", "text": "**Planning** I should call get_weather.", "usage": {"input": 30}},
        {"class": "tool_call", "tool": {"index": 0, "name": "get_weather", "arguments": "{\"city\":\"Paris\",\"unit\":\"c\"}"},
         "finish": "STOP", "usage": {"input": 30, "output": 63, "reasoning": 48}},
        {"class": "done"}]})

write("gemini", "tool-call", "sse", sse([
    g([{"text": "Checking."}, {"functionCall": {"id": "fc-1", "name": "get_weather", "args": {"city": "Paris"}}},
       {"functionCall": {"name": "get_time", "args": {"tz": "Europe/Paris", "n": 2}}}], "STOP",
      {"promptTokenCount": 20, "candidatesTokenCount": 9, "totalTokenCount": 29})]), {
    "path": GEM_PATH, "model": GM, "end_reason": "completed", "events": [
        {"class": "content", "text": "Checking."},
        {"class": "tool_call", "tool": {"index": 0, "id": "fc-1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
        {"class": "tool_call", "tool": {"index": 1, "name": "get_time", "arguments": "{\"n\":2,\"tz\":\"Europe/Paris\"}"},
         "finish": "STOP", "usage": {"input": 20, "output": 9}},
        {"class": "done"}]})

write("gemini", "error", "sse", sse(gem_text[:1] + [(None, {"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}})]), {
    "path": GEM_PATH, "model": GM, "end_reason": "provider_error", "events": [
        gem_text_e[0], {"class": "error", "error": {"message": "The model is overloaded. Please try again later.", "code": "UNAVAILABLE"}}]})

write("gemini", "cutoff", "sse", sse(gem_text[:2]), {
    "path": GEM_PATH, "model": GM, "end_reason": "eof_without_done", "events": gem_text_e[:2]})

write("gemini", "max-tokens", "sse", sse([g([{"text": "Hello, wor"}], "MAX_TOKENS", {"promptTokenCount": 7, "candidatesTokenCount": 5, "totalTokenCount": 12})]), {
    "path": GEM_PATH, "model": GM, "end_reason": "length", "events": [
        {"class": "content", "text": "Hello, wor", "finish": "MAX_TOKENS", "usage": {"input": 7, "output": 5}}, {"class": "done"}]})

write("gemini", "blocked", "sse", sse([(None, {"promptFeedback": {"blockReason": "SAFETY"},
    "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}, "modelVersion": GM, "responseId": "RPLYgemini0002"})]), {
    "path": GEM_PATH, "model": GM, "end_reason": "eof_without_done", "events": [
        {"class": "usage", "finish": "SAFETY", "usage": {"input": 9}}]})

# --------------------------------------------------------------------- Ollama
OM = "qwen3:0.6b"
def ol(t, message=None, done=False, **extra):
    line = {"model": OM, "created_at": f"2026-01-01T00:00:00.{t:03d}Z"}
    if message is not None:
        line["message"] = message
    line.update(extra)
    line["done"] = done
    return j(line)

DONE_FIELDS = dict(done_reason="stop", total_duration=412000000, load_duration=21000000, prompt_eval_count=11,
                   prompt_eval_duration=35000000, eval_count=6, eval_duration=60000000)
def nd(lines, sep="\n"):
    return sep.join(lines) + sep

write("ollama-chat", "text", "ndjson", nd([
    ol(100, {"role": "assistant", "content": "Hello"}), ol(120, {"role": "assistant", "content": ", world!"}),
    ol(140, {"role": "assistant", "content": ""}, True, **DONE_FIELDS)]), {
    "path": "/api/chat", "model": OM, "end_reason": "completed", "events": [
        {"class": "content", "text": "Hello"}, {"class": "content", "text": ", world!"},
        {"class": "done", "finish": "stop", "usage": {"input": 11, "output": 6}}]})

write("ollama-chat", "reasoning", "ndjson", nd([
    ol(100, {"role": "assistant", "content": "", "thinking": "Simple greeting."}),
    ol(120, {"role": "assistant", "content": "Hello"}), ol(140, {"role": "assistant", "content": ", world!"}),
    ol(160, {"role": "assistant", "content": ""}, True, **DONE_FIELDS)], sep="\r\n"), {
    "path": "/api/chat", "model": OM, "end_reason": "completed", "events": [
        {"class": "reasoning", "text": "Simple greeting."}, {"class": "content", "text": "Hello"},
        {"class": "content", "text": ", world!"}, {"class": "done", "finish": "stop", "usage": {"input": 11, "output": 6}}]})

write("ollama-chat", "tool-call", "ndjson", nd([
    ol(100, {"role": "assistant", "content": "", "tool_calls": [{"function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}}]}),
    ol(120, {"role": "assistant", "content": ""}, True, **DONE_FIELDS)]), {
    "path": "/api/chat", "model": OM, "end_reason": "completed", "events": [
        {"class": "tool_call", "tool": {"index": 0, "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
        {"class": "done", "finish": "stop", "usage": {"input": 11, "output": 6}}]})

write("ollama-chat", "usage", "ndjson", nd([
    ol(100, {"role": "assistant", "content": ""}), ol(120, {"role": "assistant", "content": "Hi"}),
    ol(140, {"role": "assistant", "content": ""}, True, done_reason="length", total_duration=90000000, load_duration=1000000,
       prompt_eval_count=30, prompt_eval_duration=20000000, eval_count=1, eval_duration=10000000)]).rstrip("\n"), {
    "path": "/api/chat", "model": OM, "end_reason": "length", "events": [
        {"class": "role_only"}, {"class": "content", "text": "Hi"},
        {"class": "done", "finish": "length", "usage": {"input": 30, "output": 1}}]})

write("ollama-chat", "error", "ndjson", nd([ol(100, {"role": "assistant", "content": "Hello"}), j({"error": "an error was encountered while running the model: unexpected EOF"})]), {
    "path": "/api/chat", "model": OM, "end_reason": "provider_error", "events": [
        {"class": "content", "text": "Hello"}, {"class": "error", "error": {"message": "an error was encountered while running the model: unexpected EOF"}}]})

write("ollama-chat", "cutoff", "ndjson", nd([ol(100, {"role": "assistant", "content": "Hello"}), ol(120, {"role": "assistant", "content": ", wor"})]), {
    "path": "/api/chat", "model": OM, "end_reason": "eof_without_done", "events": [
        {"class": "content", "text": "Hello"}, {"class": "content", "text": ", wor"}]})

write("ollama-generate", "text", "ndjson", nd([
    ol(100, response="Hello"), ol(120, response=", world!"), ol(140, None, True, response="", context=[1, 2, 3], **DONE_FIELDS)]), {
    "path": "/api/generate", "model": OM, "end_reason": "completed", "events": [
        {"class": "content", "text": "Hello"}, {"class": "content", "text": ", world!"},
        {"class": "done", "finish": "stop", "usage": {"input": 11, "output": 6}}]})

write("ollama-generate", "reasoning", "ndjson", nd([
    ol(100, response="", thinking="Think first."), ol(120, response="Hello"), ol(140, None, True, response="", **DONE_FIELDS)]), {
    "path": "/api/generate", "model": OM, "end_reason": "completed", "events": [
        {"class": "reasoning", "text": "Think first."}, {"class": "content", "text": "Hello"},
        {"class": "done", "finish": "stop", "usage": {"input": 11, "output": 6}}]})

write("ollama-generate", "usage", "ndjson", nd([ol(100, response="Hi"), ol(120, None, True, response="", **DONE_FIELDS)]), {
    "path": "/api/generate", "model": OM, "end_reason": "completed", "events": [
        {"class": "content", "text": "Hi"}, {"class": "done", "finish": "stop", "usage": {"input": 11, "output": 6}}]})

write("ollama-generate", "error", "ndjson", nd([ol(100, response="Hello"), j({"error": "model requires more system memory"})]), {
    "path": "/api/generate", "model": OM, "end_reason": "provider_error", "events": [
        {"class": "content", "text": "Hello"}, {"class": "error", "error": {"message": "model requires more system memory"}}]})

write("ollama-generate", "cutoff", "ndjson", nd([ol(100, response="Hello"), ol(120, response=", wor")]), {
    "path": "/api/generate", "model": OM, "end_reason": "eof_without_done", "events": [
        {"class": "content", "text": "Hello"}, {"class": "content", "text": ", wor"}]})

# ---------------------------------------------------------------- generic SSE
write("sse", "text", "sse", "retry: 3000\n\nid: 1\ndata: Hello\n\n: tick\n\nid: 2\ndata: , world!\n\n", {
    "model": None, "end_reason": "completed", "events": [
        {"class": "content", "text": "Hello"}, {"class": "keepalive"}, {"class": "content", "text": ", world!"}]})

write("sse", "error", "sse", "data: partial\n\nevent: error\ndata: upstream went away\n\n", {
    "model": None, "end_reason": "provider_error", "events": [
        {"class": "content", "text": "partial"}, {"class": "error", "error": {"message": "upstream went away"}}]})

write("sse", "multiline", "sse", "event: update\ndata: line one\ndata: line two\n\ndata: [DONE]\n\n", {
    "model": None, "end_reason": "completed", "events": [
        {"class": "content", "text": "line one\nline two"}, {"class": "done"}]})

# ---------------------------------------------------------------- plain text
write("text", "text", "txt", "Hello, world! This is a plain streamed answer.\n", {
    "model": None, "end_reason": "completed", "events": [
        {"class": "content", "text": "Hello, world! This is a plain streamed answer.\n"}]})

write("text", "utf8", "txt", "Grüße aus Köln — 東京から 😀👍🏽 done", {
    "model": None, "end_reason": "completed", "events": [
        {"class": "content", "text": "Grüße aus Köln — 東京から 😀👍🏽 done"}]})

print("fixtures written")
