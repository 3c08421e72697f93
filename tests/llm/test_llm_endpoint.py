"""The OpenAI-compatible backend against real HTTP servers on 127.0.0.1: the project's own server
(workbench.llm.serve) over the embedded model, and small servers that refuse, fail, answer garbage,
give no log-probs or hang."""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from workbench.llm import LLMError, get_llm
from workbench.llm import serve
from workbench.llm.endpoint import OpenAILLM


@pytest.fixture(scope="module")
def local():
    return get_llm("smollm2", cache=False)


@pytest.fixture(scope="module")
def server(local):
    srv = serve.start(local, model_name="smol")
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def remote(server):
    return OpenAILLM(f"openai:{server.base_url}#smol", cache=False, template="smollm2", capable=False, timeout=60)


def test_generation_through_the_server_equals_local(local, remote):
    for kw in ({}, {"system": "Answer in French."}, {"chat": False, "stop": ["\n"]}):
        prompt = "What is the capital of France?" if kw.get("chat", True) else "The capital of France is"
        assert remote.generate(prompt, max_new_tokens=12, **kw) == local.generate(prompt, max_new_tokens=12, **kw)


def test_scoring_through_echo_logprobs_equals_local(local, remote):
    for prompt, conts, chat in [("What do bees make?", ["Honey", "Milk and cookies"], True),
                                ("The capital of France is", [" Paris", " London"], False)]:
        far, near = remote.score(prompt, conts, chat=chat), local.score(prompt, conts, chat=chat)
        for a, b in zip(far, near):
            assert a.n_tokens == b.n_tokens
            assert a.logprob_sum == pytest.approx(b.logprob_sum, abs=1e-3)
    assert remote.choose("What do bees make?", ["Milk", "Honey"]).option == "Honey"


def test_chat_scoring_without_a_template_says_so(server):
    bare = OpenAILLM(f"openai:{server.base_url}#smol", cache=False)
    with pytest.raises(LLMError, match="chat template"):
        bare.score("What do bees make?", ["Honey"])
    assert bare.score("Bees make", [" honey"], chat=False)[0].n_tokens == 1


def post(url, body):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_server_speaks_the_openai_format(server):
    status, reply = post(server.base_url + "/chat/completions", {
        "model": "smol", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "temperature": 0,
        "logprobs": True, "top_logprobs": 2})
    assert status == 200 and reply["object"] == "chat.completion"
    choice = reply["choices"][0]
    tokens = choice["logprobs"]["content"]
    assert "".join(t["token"] for t in tokens).startswith(choice["message"]["content"])
    assert all(t["logprob"] <= 0 and len(t["top_logprobs"]) == 2 for t in tokens)
    assert tokens[0]["top_logprobs"][0]["logprob"] >= tokens[0]["logprob"]  # greedy picks the top token
    status, reply = post(server.base_url + "/completions", {"prompt": ["Bees make", "Ice is"], "max_tokens": 0,
                                                            "echo": True, "logprobs": 0})
    assert status == 200 and [c["text"] for c in reply["choices"]] == ["Bees make", "Ice is"]
    assert reply["choices"][0]["logprobs"]["token_logprobs"][0] is None
    status, reply = post(server.base_url + "/chat/completions", {"messages": [{"role": "user", "content": "a"}] * 2})
    assert status == 400 and "one user message" in reply["error"]["message"]


class Canned(ThreadingHTTPServer):
    """A real HTTP server that answers every POST the same way; it counts requests and keeps headers."""

    daemon_threads = True

    def __init__(self, status, body):
        self.status, self.body, self.requests, self.headers = status, body, 0, None
        super().__init__(("127.0.0.1", 0), CannedHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def close(self):
        self.shutdown()
        self.server_close()


class CannedHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests += 1
        self.server.headers = dict(self.headers)
        data = self.server.body.encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def canned():
    made = []

    def make(status, body):
        made.append(Canned(status, body))
        return made[-1]
    yield make
    for s in made:
        s.close()


def one_line_error(llm, match, call=lambda llm: llm.generate("hi", max_new_tokens=4)):
    with pytest.raises(LLMError, match=match) as err:
        call(llm)
    assert "\n" not in str(err.value)
    return str(err.value)


def test_connection_refused(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed on exit: nothing listens there
    llm = OpenAILLM(f"openai:http://127.0.0.1:{port}/v1#m", cache=False, retries=1, backoff=0.05)
    one_line_error(llm, "unreachable: connection refused")


def test_http_500_is_retried_a_bounded_number_of_times(canned, monkeypatch):
    srv = canned(500, '{"error": {"message": "model crashed"}}')
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    llm = OpenAILLM(f"openai:{srv.url}#m", cache=False, retries=2, backoff=0.05)
    message = one_line_error(llm, "HTTP 500")
    assert "model crashed" in message and srv.requests == 3
    assert srv.headers["Authorization"] == "Bearer sk-test"


def test_malformed_json(canned):
    srv = canned(200, '{"choices": [{"text": "unterminated')
    one_line_error(OpenAILLM(f"openai:{srv.url}#m", cache=False), "malformed JSON")
    srv2 = canned(200, '{"object": "text_completion"}')
    one_line_error(OpenAILLM(f"openai:{srv2.url}#m", cache=False), "without 1 choice")


def test_timeout_on_a_server_that_never_accepts():
    with socket.socket() as hang:
        hang.bind(("127.0.0.1", 0))
        hang.listen(8)  # the kernel accepts connections; nobody ever reads or answers
        llm = OpenAILLM(f"openai:http://127.0.0.1:{hang.getsockname()[1]}/v1#m", cache=False, timeout=0.3,
                        retries=1, backoff=0.05)
        t0 = time.perf_counter()
        one_line_error(llm, r"no answer within the 0.3 s deadline")
        assert time.perf_counter() - t0 < 5


class Hanging(ThreadingHTTPServer):
    """A real HTTP server that accepts each request, reads it, and never answers until released."""

    daemon_threads = True

    def __init__(self):
        self.release, self.requests = threading.Event(), 0
        super().__init__(("127.0.0.1", 0), HangingHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class HangingHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests += 1
        self.server.release.wait(120)


@pytest.fixture
def hanging():
    srv = Hanging()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()


def test_a_server_that_accepts_and_hangs_fails_the_call_at_one_deadline(hanging, monkeypatch):
    """The deadline covers every try of a call: 3 tries of a hung server still fail after `timeout`."""
    url = f"openai:http://127.0.0.1:{hanging.server_address[1]}/v1#m"
    llm = OpenAILLM(url, cache=False, timeout=1.0, retries=2, backoff=0.05)
    t0 = time.perf_counter()
    message = one_line_error(llm, r"gave no answer within the 1 s deadline")
    elapsed = time.perf_counter() - t0
    assert 0.9 < elapsed < 2.5, elapsed  # not 3 x 1 s
    assert "WORKBENCH_LLM_TIMEOUT" in message and hanging.requests == 1
    # the default deadline, from the environment as a user would set it, bounds scoring calls too
    monkeypatch.setenv("WORKBENCH_LLM_TIMEOUT", "0.5")
    llm = OpenAILLM(url, cache=False, capable=False)
    t0 = time.perf_counter()
    one_line_error(llm, r"within the 0.5 s deadline", lambda llm: llm.score("Bees make", [" honey"], chat=False))
    assert time.perf_counter() - t0 < 2


def test_the_default_deadline_is_a_minute(monkeypatch):
    monkeypatch.delenv("WORKBENCH_LLM_TIMEOUT", raising=False)
    assert OpenAILLM("openai:http://127.0.0.1:9/v1#m", cache=False).timeout == 60.0
    monkeypatch.setenv("WORKBENCH_LLM_TIMEOUT", "soon")
    with pytest.raises(LLMError, match="WORKBENCH_LLM_TIMEOUT must be a positive number"):
        OpenAILLM("openai:http://127.0.0.1:9/v1#m", cache=False)
    with pytest.raises(LLMError, match="timeout must be a positive number"):
        OpenAILLM("openai:http://127.0.0.1:9/v1#m", cache=False, timeout=0)


def test_a_server_without_logprobs_cannot_score(canned):
    srv = canned(200, json.dumps({"choices": [{"index": 0, "text": "x", "logprobs": None}]}))
    llm = OpenAILLM(f"openai:{srv.url}#m", cache=False)
    assert llm.generate("Bees make", max_new_tokens=4, chat=False) == "x"
    one_line_error(llm, "no log-probs", lambda llm: llm.score("Bees make", [" honey"], chat=False))
