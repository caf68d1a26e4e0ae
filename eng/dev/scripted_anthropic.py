#!/usr/bin/env python3
"""A scripted Anthropic Messages upstream for trying real coding agents against `./orp up` with reasoning on.

Point the gateway at it (ORP_UPSTREAM_URL=http://127.0.0.1:8471 ORP_UPSTREAM_KEY=x ./orp up), then run Codex CLI,
OpenCode or Claude Code against the gateway. Each conversation goes:

  turn 1 (no tool result yet): a signed thinking block when thinking is on, then a call to the client's shell tool
          (the first tool whose name mentions shell, bash or exec) that runs `echo orp-tool-ok`;
  turn 2 (after the tool result): a thinking block when thinking is on, then the text "The command printed: <output>".

Like the real API it refuses, with Anthropic's own error, a request with thinking on whose last assistant tool turn
does not start with a thinking block, and a thinking block whose signature is not the one it issued. Standard library
only; streaming (SSE) and plain JSON answers.
"""
import base64
import hashlib
import hmac
import json
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = b"scripted-upstream"
MODEL_OUT = "claude-sonnet-4-5-20250929"


def sign(text):
    # Shaped like Anthropic's (opaque base64); it is an HMAC of the thinking text, so a changed block is caught.
    return "Eq" + base64.b64encode(hmac.new(SECRET, text.encode(), hashlib.sha256).digest() * 3).decode()


def thinking_on(body):
    return (body.get("thinking") or {}).get("type") in ("enabled", "adaptive")


def refusal(body):
    """Anthropic's checks on thinking blocks in the history, or None."""
    messages = body.get("messages") or []
    for i, message in enumerate(messages):
        for j, block in enumerate(message.get("content") if isinstance(message.get("content"), list) else []):
            if block.get("type") == "thinking" and block.get("signature") != sign(block.get("thinking", "")):
                return f"messages.{i}.content.{j}: Invalid `signature` in `thinking` block"
    if not thinking_on(body):
        return None
    last_tool_turn = None
    for i, message in enumerate(messages):
        content = message.get("content")
        if message.get("role") == "assistant" and isinstance(content, list) and any(b.get("type") == "tool_use" for b in content):
            last_tool_turn = i
    if last_tool_turn is None:
        return None
    content = messages[last_tool_turn]["content"]
    if content[0].get("type") not in ("thinking", "redacted_thinking"):
        return (f"messages.{last_tool_turn}.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
                f"`{content[0].get('type')}`. When `thinking` is enabled, a final `assistant` message must start with a "
                "thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend you "
                "include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. Please "
                "consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking")
    return None


def tool_output(body):
    last = (body.get("messages") or [{}])[-1]
    content = last.get("content") if isinstance(last.get("content"), list) else []
    for block in content:
        if block.get("type") == "tool_result":
            result = block.get("content")
            if isinstance(result, list):
                result = " ".join(b.get("text", "") for b in result if isinstance(b, dict))
            return str(result)
    return None


def shell_input(tool):
    schema = tool.get("input_schema") or {}
    props = schema.get("properties") or {}
    value = {}
    for name in schema.get("required") or list(props):
        prop = props.get(name) or {}
        kind = prop.get("type")
        if name in ("command", "cmd", "input"):
            value[name] = ["bash", "-lc", "echo orp-tool-ok"] if kind == "array" else "echo orp-tool-ok"
        elif kind == "string":
            value[name] = "Prints a marker" if name == "description" else "."
        elif kind in ("integer", "number"):
            value[name] = 10000
        elif kind == "boolean":
            value[name] = False
        elif kind == "array":
            value[name] = []
    return value


def answer(body):
    blocks = []
    output = tool_output(body)
    if thinking_on(body):
        thought = "The user wants the command run." if output is None else "The command ran; report what it printed."
        blocks.append({"type": "thinking", "thinking": thought, "signature": sign(thought)})
    tools = [t for t in body.get("tools") or [] if "name" in t]
    shell = next((t for t in tools if any(w in t["name"].lower() for w in ("shell", "bash", "exec"))), None)
    if output is None and shell is not None:
        blocks.append({"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:24], "name": shell["name"], "input": shell_input(shell)})
        return blocks, "tool_use"
    blocks.append({"type": "text", "text": f"The command printed: {output.strip()}" if output else "Hello from the scripted upstream."})
    return blocks, "end_turn"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("scripted-upstream: " + fmt % args + "\n")

    def send_json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.send_json(200, {"data": [{"type": "model", "id": MODEL_OUT, "display_name": "Scripted"}], "has_more": False})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        if self.path.endswith("/count_tokens"):
            return self.send_json(200, {"input_tokens": len(json.dumps(body)) // 4})
        problem = refusal(body)
        if problem:
            sys.stderr.write("scripted-upstream: refused: " + problem[:120] + "\n")
            shape = [(m.get("role"), [b.get("type") for b in m["content"]] if isinstance(m.get("content"), list) else "text")
                     for m in body.get("messages") or []]
            sys.stderr.write(f"scripted-upstream: refused request: keys={sorted(body)} cm={body.get('context_management')} thinking={body.get('thinking')} messages={shape}\n")
            return self.send_json(400, {"type": "error", "error": {"type": "invalid_request_error", "message": problem}})
        blocks, stop = answer(body)
        usage = {"input_tokens": len(json.dumps(body)) // 4, "output_tokens": 20,
                 "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        # The model the request named, as the real API answers an id it was given (Claude Code drops the thinking of
        # a message whose model differs from the one it asked for, since signatures belong to a model).
        message = {"id": "msg_" + uuid.uuid4().hex[:24], "type": "message", "role": "assistant", "model": body.get("model") or MODEL_OUT,
                   "content": blocks, "stop_reason": stop, "stop_sequence": None, "usage": usage}
        if not body.get("stream"):
            return self.send_json(200, message)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()

        def event(name, data):
            self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()

        event("message_start", {"type": "message_start", "message": {**message, "content": [], "stop_reason": None,
                                                                      "usage": {**usage, "output_tokens": 1}}})
        for index, block in enumerate(blocks):
            if block["type"] == "thinking":
                event("content_block_start", {"type": "content_block_start", "index": index,
                                              "content_block": {"type": "thinking", "thinking": "", "signature": ""}})
                event("content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "thinking_delta", "thinking": block["thinking"]}})
                event("content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "signature_delta", "signature": block["signature"]}})
            elif block["type"] == "tool_use":
                event("content_block_start", {"type": "content_block_start", "index": index,
                                              "content_block": {**block, "input": {}}})
                event("content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}})
            else:
                event("content_block_start", {"type": "content_block_start", "index": index,
                                              "content_block": {"type": "text", "text": ""}})
                event("content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "text_delta", "text": block["text"]}})
            event("content_block_stop", {"type": "content_block_stop", "index": index})
        event("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                "usage": {"output_tokens": 20}})
        event("message_stop", {"type": "message_stop"})
        self.close_connection = True


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8471
    sys.stderr.write(f"scripted-upstream: listening on 127.0.0.1:{port}\n")
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
