"""`replay:<file>[#<backend>]`: answer only from recorded replies, so tests and CI run with no model.

A replay file is what `get_llm(spec, record=<file>)` writes (see `workbench.llm.store`). Replies are
looked up by the same key as the cache: a hash of the recording backend's name, the operation and
every setting, so a replay reproduces exactly the calls that were recorded and a different call is a
miss, which raises LLMError naming the prompt. If the file holds replies from several backends, pick
one with `#<backend>`. `capable` is the recorded backend's, so consumers take the same code path.
A relative file is taken from the repository root (see `workbench.llm.spec`).
"""
from __future__ import annotations

from typing import Any

from workbench.llm.base import LLM, LLMError, request_key, short
from workbench.llm.spec import data_file_problem, repo_path
from workbench.llm.store import ReplyStore


class ReplayLLM(LLM):
    def __init__(self, spec: str, *, record=None, **_ignored):
        super().__init__(spec, cache=False, record=record)
        rest = spec[len("replay:"):]
        path, _, backend = rest.partition("#")
        if not path:
            raise LLMError("replay spec needs a file: replay:<file.jsonl>[#<backend>]")
        self.path = repo_path(path)
        problem = data_file_problem(self.path, "replay file")
        if problem:
            raise LLMError(problem)
        self.replies = ReplyStore(self.path)
        entries = self.replies.entries()
        backends = sorted({e.get("backend", "") for e in entries})
        if not entries:
            raise LLMError(f"replay file {self.path} holds no replies (is it a file written by record=?)")
        if backend:
            if backend not in backends:
                raise LLMError(f"replay file {self.path} holds no replies from {backend!r} (it has {', '.join(backends)})")
        elif len(backends) > 1:
            raise LLMError(f"replay file {self.path} holds replies from several backends ({', '.join(backends)}): "
                           f"pick one with replay:{path}#<backend>")
        else:
            backend = backends[0]
        self.backend = backend
        self.capable = any(bool(e.get("capable")) for e in entries if e.get("backend") == backend)

    def _miss(self, what: str) -> LLMError:
        return LLMError(f"replay miss in {self.path}: no recorded reply from {self.backend} for {what}; "
                        f"record it with get_llm({self.backend!r}, record=...)")

    def _generate(self, prompts: list[str], settings: dict[str, Any]) -> list[str]:
        out = []
        for p in prompts:
            reply = self.replies.get(request_key(self.backend, "generate", {"prompt": p, **settings}))
            if reply is None:
                raise self._miss(f"generate({short(p)}, {', '.join(f'{k}={v!r}' for k, v in settings.items())})")
            out.append(reply)
        return out

    def _score(self, prompt, continuations, system, chat):
        request = {"prompt": prompt, "continuations": continuations, "system": system, "chat": chat}
        reply = self.replies.get(request_key(self.backend, "score", request))
        if reply is None:
            raise self._miss(f"score({short(prompt)}, {len(continuations)} continuations)")
        return [tuple(x) for x in reply]
