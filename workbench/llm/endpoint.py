"""`openai:<base_url>#<model>`: any OpenAI-compatible HTTP server (vLLM, llama.cpp server, Ollama, or
this project's own `python -m workbench.llm.serve`).

Generation uses /chat/completions (chat=True; the server applies the model's chat template) or
/completions (chat=False). Scoring uses /completions with `echo=true, logprobs=1, max_tokens=1`, the
only standard way to get the log-probs of given text (vLLM and workbench.llm.serve offer it; the
OpenAI API and llama.cpp's server do not, and then `score` raises LLMError saying so). Scoring with
chat=True must render the chat template on this side: pass `template="smollm2"` (or "hf:<path>") to
get_llm so the prompt text matches what the served model expects.

Each call has one deadline, `timeout` seconds from its start for all its tries together
($WORKBENCH_LLM_TIMEOUT, default DEFAULT_TIMEOUT = 60 s): a server that accepts and never answers
fails the call after that long, not after timeout x tries. Within the deadline, connection failures
and HTTP 429/5xx are retried up to `retries` times (default 2) with exponential backoff; every
failure ends in a one-line LLMError. (The deadline bounds each wait on the socket; a server that
trickles bytes slower than that could still overrun it.) Raise the timeout for long generations on a
slow server. The API key comes from $OPENAI_API_KEY (or `api_key_env=`).
Only the standard library is used (urllib).
"""
from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from typing import Any

from workbench.llm.base import LLM, LLMError

RETRY_STATUS = {408, 429, 500, 502, 503, 504}
# One minute per call: long enough for a short reply from a loaded CPU server (a 135M model answers a
# 1K-token prompt in a few seconds), short enough that a hung server is noticed while one waits.
DEFAULT_TIMEOUT = 60.0


def _one_line(data: bytes | str, n: int = 160) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _timeout(value) -> float:
    where = "timeout"
    if value is None:
        value = os.environ.get("WORKBENCH_LLM_TIMEOUT") or DEFAULT_TIMEOUT
        where = "WORKBENCH_LLM_TIMEOUT"
    try:
        seconds = float(value)
        if not seconds > 0:
            raise ValueError
    except (TypeError, ValueError):
        raise LLMError(f"{where} must be a positive number of seconds, got {value!r}") from None
    return seconds


class OpenAILLM(LLM):
    def __init__(self, spec: str, *, cache: bool = True, record=None, timeout: float | None = None,
                 retries: int = 2, backoff: float = 0.5, template: str | None = None, capable: bool = True,
                 api_key_env: str = "OPENAI_API_KEY"):
        super().__init__(spec, cache=cache, record=record)
        from workbench.llm.spec import parse_endpoint

        self.base_url, self.model = parse_endpoint(spec)
        self.timeout = _timeout(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.template = template
        self.capable = bool(capable)
        self.api_key = os.environ.get(api_key_env, "")
        self._tokenizer = None

    # -- HTTP -------------------------------------------------------------------------------------
    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST JSON to base_url + path and return the decoded JSON object, or raise a one-line LLMError."""
        url = self.base_url + path
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        where = f"endpoint {url}"
        problem = ""
        deadline = time.monotonic() + self.timeout
        tries = 0
        for attempt in range(self.retries + 1):
            if attempt:
                pause = min(self.backoff * 2 ** (attempt - 1), 8.0)
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
            left = deadline - time.monotonic()
            if left <= 0:
                break
            tries += 1
            try:
                request = urllib.request.Request(url, data=data, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=left) as response:
                    raw = response.read()
            except urllib.error.HTTPError as e:
                detail = _one_line(e.read() or b"")
                problem = f"{where} answered HTTP {e.code}" + (f": {detail}" if detail else "")
                if e.code in RETRY_STATUS:
                    continue
                raise LLMError(problem) from None
            except urllib.error.URLError as e:
                reason = e.reason
                if isinstance(reason, ConnectionRefusedError):
                    problem = f"{where} is unreachable: connection refused (is the server running?)"
                elif isinstance(reason, (TimeoutError, socket.timeout)):
                    problem = self._timed_out(where)
                else:
                    problem = f"{where} is unreachable: {_one_line(str(reason))}"
                continue
            except (TimeoutError, socket.timeout):
                problem = self._timed_out(where)
                continue
            except (ConnectionError, OSError) as e:  # reset mid-response, etc.
                problem = f"{where} failed: {type(e).__name__}: {_one_line(str(e))}"
                continue
            try:
                reply = json.loads(raw)
            except ValueError:
                raise LLMError(f"{where} answered malformed JSON: {_one_line(raw, 80)!r}") from None
            if not isinstance(reply, dict):
                raise LLMError(f"{where} answered JSON that is not an object: {_one_line(raw, 80)!r}")
            if "error" in reply and "choices" not in reply:
                raise LLMError(f"{where} answered an error: {_one_line(json.dumps(reply['error']))}")
            return reply
        raise LLMError(problem + (f" ({tries} tries)" if tries > 1 else ""))

    def _timed_out(self, where: str) -> str:
        return (f"{where} gave no answer within the {self.timeout:g} s deadline "
                f"(get_llm(..., timeout=<seconds>) or $WORKBENCH_LLM_TIMEOUT to wait longer)")

    def _choices(self, reply: dict[str, Any], n: int, path: str) -> list[dict[str, Any]]:
        choices = reply.get("choices")
        if not isinstance(choices, list) or len(choices) != n or not all(isinstance(c, dict) for c in choices):
            raise LLMError(f"endpoint {self.base_url + path} answered without {n} choice(s): {_one_line(json.dumps(reply), 100)}")
        return sorted(choices, key=lambda c: c.get("index", 0))

    # -- generation -------------------------------------------------------------------------------
    def _generate(self, prompts: list[str], settings: dict[str, Any]) -> list[str]:
        out = []
        for prompt in prompts:
            body: dict[str, Any] = {"model": self.model, "max_tokens": settings["max_new_tokens"],
                                    "temperature": settings["temperature"], "seed": settings["seed"]}
            if settings["stop"]:
                body["stop"] = settings["stop"]
            if settings["chat"]:
                messages = [{"role": "system", "content": settings["system"]}] if settings["system"] else []
                body["messages"] = messages + [{"role": "user", "content": prompt}]
                path = "/chat/completions"
            else:
                if settings["system"]:
                    raise LLMError("system= needs chat=True")
                body["prompt"] = prompt
                path = "/completions"
            choice = self._choices(self.post(path, body), 1, path)[0]
            text = (choice.get("message") or {}).get("content") if settings["chat"] else choice.get("text")
            if not isinstance(text, str):
                raise LLMError(f"endpoint {self.base_url + path} answered a choice without text: {_one_line(json.dumps(choice), 100)}")
            for s in settings["stop"]:  # servers differ on whether the stop string is included
                text = text.split(s, 1)[0]
            out.append(text)
        return out

    # -- scoring ----------------------------------------------------------------------------------
    def chat_tokenizer(self):
        if not self.template:
            raise LLMError(f"scoring with chat=True through {self.name} needs the model's chat template: "
                           "get_llm(..., template='smollm2' or 'hf:<path>'), or score with chat=False")
        if self._tokenizer is None:
            from workbench.llm.hf import load_tokenizer
            self._tokenizer = load_tokenizer(self.template)
        return self._tokenizer

    def _score(self, prompt: str, continuations: list[str], system: str | None, chat: bool) -> list[tuple[float, int]]:
        text = self.render(prompt, system, chat)
        fulls = [text + c for c in continuations]
        path = "/completions"
        body = {"model": self.model, "prompt": fulls, "max_tokens": 1, "temperature": 0.0, "echo": True, "logprobs": 1}
        choices = self._choices(self.post(path, body), len(fulls), path)
        no_logprobs = LLMError(f"endpoint {self.base_url + path} gives no log-probs of echoed prompt tokens, so it "
                               "cannot score continuations (vLLM and workbench.llm.serve can; or use a local backend)")
        out = []
        for full, choice in zip(fulls, choices):
            lp = choice.get("logprobs")
            if not isinstance(lp, dict) or not lp.get("token_logprobs") or not lp.get("text_offset"):
                raise no_logprobs
            offsets, values = lp["text_offset"], lp["token_logprobs"]
            if len(offsets) != len(values):
                raise LLMError(f"endpoint {self.base_url + path} answered logprobs with mismatched lengths")
            total, n = 0.0, 0
            for i, (start, value) in enumerate(zip(offsets, values)):
                end = offsets[i + 1] if i + 1 < len(offsets) else len(full) + 1
                # continuation tokens: any token holding a character of the continuation (a token that
                # merges across the boundary counts, as in the local backend); generated tokens excluded
                if end > len(text) and start < len(full):
                    if value is None:
                        raise no_logprobs
                    total += float(value)
                    n += 1
            if n == 0:
                raise LLMError(f"endpoint {self.base_url + path} echoed no continuation tokens (does it support echo?)")
            out.append((total, n))
        return out
