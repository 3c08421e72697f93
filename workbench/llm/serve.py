"""A small OpenAI-compatible HTTP server over any workbench.llm backend (standard library only).

    python -m workbench.llm.serve --llm smollm2 --port 8000
    get_llm("openai:http://127.0.0.1:8000/v1#smollm2", template="smollm2")

Serves POST /v1/completions (prompt: string or list; max_tokens, temperature, stop, seed, echo,
logprobs=<n top alternatives>) and POST /v1/chat/completions (messages: an optional system message and
one user message; logprobs, top_logprobs), plus GET /v1/models and /health. Log-probs need an
in-process model (smollm2, hf:); other backends answer 400 when asked for them. Requests are served
one model call at a time. Bad requests get 400 and backend failures 500, each with an OpenAI-style
{"error": {"message": ...}} body. Used by the endpoint tests on 127.0.0.1; not meant for the internet.
"""
from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from workbench.llm.base import LLM, LLMError


class BadRequest(Exception):
    pass


def _number(body: dict, key: str, default, kind=float):
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"{key} must be a number")
    return kind(value)


def _stop(body: dict) -> list[str]:
    stop = body.get("stop") or []
    if isinstance(stop, str):
        stop = [stop]
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise BadRequest("stop must be a string or a list of strings")
    return stop


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, llm: LLM, host: str, port: int, model_name: str | None, verbose: bool):
        self.llm = llm
        self.model_name = model_name or llm.name
        self.verbose = verbose
        self.lock = threading.Lock()
        super().__init__((host, port), Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/v1"

    # -- the two endpoints ------------------------------------------------------------------------
    def _logprobs(self, text: str, top: int, special: bool):
        if not hasattr(self.llm, "token_logprobs"):
            raise BadRequest(f"backend {self.llm.name} cannot give log-probs (only in-process models can)")
        return self.llm.token_logprobs(text, top=top, special=special)

    def _count(self, text: str) -> int:
        return self.llm.count_tokens(text) if hasattr(self.llm, "count_tokens") else len(text.split())

    def completions(self, body: dict[str, Any]) -> dict[str, Any]:
        prompts = body.get("prompt")
        if isinstance(prompts, str):
            prompts = [prompts]
        if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
            raise BadRequest("prompt must be a string or a non-empty list of strings")
        max_tokens = _number(body, "max_tokens", 16, int)
        temperature = _number(body, "temperature", 1.0)
        seed = _number(body, "seed", 0, int)
        top = body.get("logprobs")
        if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 0):
            raise BadRequest("logprobs must be a non-negative integer or null")
        echo = bool(body.get("echo", False))
        choices, n_prompt, n_completion = [], 0, 0
        for i, prompt in enumerate(prompts):
            completion = ""
            if max_tokens > 0:
                completion = self.llm.generate(prompt, max_new_tokens=max_tokens, temperature=temperature,
                                               stop=_stop(body), seed=seed, chat=False)
            n_prompt += self._count(prompt)
            n_tok = self._count(completion)
            n_completion += n_tok
            choice: dict[str, Any] = {"index": i, "text": (prompt if echo else "") + completion, "logprobs": None,
                                      "finish_reason": "length" if max_tokens == 0 or n_tok >= max_tokens else "stop"}
            if top is not None:
                tokens, offsets, values, tops = self._logprobs(prompt + completion, top, special=True)
                keep = [j for j, o in enumerate(offsets) if echo or o >= len(prompt)]
                choice["logprobs"] = {"tokens": [tokens[j] for j in keep],
                                      "token_logprobs": [values[j] for j in keep],
                                      "top_logprobs": [tops[j] for j in keep] if top else None,
                                      "text_offset": [offsets[j] for j in keep]}
            choices.append(choice)
        return {"id": f"cmpl-{uuid.uuid4().hex[:12]}", "object": "text_completion", "created": int(time.time()),
                "model": self.model_name, "choices": choices,
                "usage": {"prompt_tokens": n_prompt, "completion_tokens": n_completion,
                          "total_tokens": n_prompt + n_completion}}

    def chat(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages")
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            raise BadRequest("messages must be a list of {role, content} objects")
        system = None
        if messages and messages[0].get("role") == "system":
            system = messages[0].get("content")
            messages = messages[1:]
        if len(messages) != 1 or messages[0].get("role") != "user" or not isinstance(messages[0].get("content"), str):
            raise BadRequest("this server takes an optional system message and exactly one user message (string content)")
        prompt = messages[0]["content"]
        max_tokens = _number(body, "max_tokens", _number(body, "max_completion_tokens", 256, int), int)
        if max_tokens < 1:
            raise BadRequest("max_tokens must be >= 1")
        reply = self.llm.generate(prompt, max_new_tokens=max_tokens, temperature=_number(body, "temperature", 1.0),
                                  stop=_stop(body), seed=_number(body, "seed", 0, int), system=system, chat=True)
        n_tok = self._count(reply)
        choice: dict[str, Any] = {"index": 0, "message": {"role": "assistant", "content": reply}, "logprobs": None,
                                  "finish_reason": "length" if n_tok >= max_tokens else "stop"}
        if body.get("logprobs"):
            top = _number(body, "top_logprobs", 0, int)
            rendered = self.llm.render(prompt, system, True)
            tokens, offsets, values, tops = self._logprobs(rendered + reply, top, special=False)
            choice["logprobs"] = {"content": [
                {"token": t, "logprob": v, "bytes": list(t.encode()),
                 "top_logprobs": [{"token": k, "logprob": x, "bytes": list(k.encode())} for k, x in (tp or {}).items()]}
                for t, o, v, tp in zip(tokens, offsets, values, tops) if o >= len(rendered)]}
        n_prompt = self._count(prompt)
        return {"id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion", "created": int(time.time()),
                "model": self.model_name, "choices": [choice],
                "usage": {"prompt_tokens": n_prompt, "completion_tokens": n_tok, "total_tokens": n_prompt + n_tok}}


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, kind: str) -> None:
        self._send(status, {"error": {"message": message, "type": kind, "code": status}})

    def do_GET(self):  # noqa: N802
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send(200, {"object": "list", "data": [{"id": self.server.model_name, "object": "model",
                                                         "owned_by": "workbench"}]})
        elif self.path.rstrip("/") == "/health":
            self._send(200, {"status": "ok"})
        else:
            self._error(404, f"no such path: {self.path}", "not_found")

    def do_POST(self):  # noqa: N802
        routes = {"/v1/completions": self.server.completions, "/v1/chat/completions": self.server.chat}
        route = routes.get(self.path.rstrip("/"))
        if route is None:
            self._error(404, f"no such path: {self.path}", "not_found")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            if not isinstance(body, dict):
                raise BadRequest("the request body must be a JSON object")
            with self.server.lock:
                payload = route(body)
        except (BadRequest, ValueError) as e:
            self._error(400, str(e) or type(e).__name__, "invalid_request_error")
        except LLMError as e:
            self._error(500, str(e), "server_error")
        except Exception as e:  # noqa: BLE001 - a server answers, it does not die
            self._error(500, f"{type(e).__name__}: {e}", "server_error")
        else:
            self._send(200, payload)


def make_server(llm: LLM, host: str = "127.0.0.1", port: int = 0, model_name: str | None = None,
                verbose: bool = False) -> Server:
    """A server bound to host:port (port 0: a free one; see `.base_url`); call serve_forever() or start()."""
    return Server(llm, host, port, model_name, verbose)


def start(llm: LLM, host: str = "127.0.0.1", port: int = 0, model_name: str | None = None) -> Server:
    """Serve in a daemon thread; stop with `server.shutdown(); server.server_close()`."""
    server = make_server(llm, host, port, model_name)
    threading.Thread(target=server.serve_forever, name="workbench-llm-serve", daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> None:
    from workbench.llm import get_llm

    parser = argparse.ArgumentParser(prog="python -m workbench.llm.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="smollm2", help="backend spec (default smollm2)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model-name", default=None, help="the model id clients use (default: the spec)")
    parser.add_argument("--no-cache", action="store_true", help="do not use the on-disk reply cache")
    parser.add_argument("--verbose", action="store_true", help="log each request")
    args = parser.parse_args(argv)
    try:
        llm = get_llm(args.llm, cache=not args.no_cache)
    except LLMError as e:
        parser.exit(2, f"error: {e}\n")
    server = make_server(llm, args.host, args.port, args.model_name, args.verbose)
    print(f"serving {llm.name} at {server.base_url} (model id {server.model_name!r}); Ctrl-C stops", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
