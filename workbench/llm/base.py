"""The backend-independent half of `workbench.llm`: the `LLM` interface, its reply cache and recorder.

Every backend implements two primitives on lists (so a backend can batch them):

    _generate(prompts, settings) -> list[str]          # settings: max_new_tokens, temperature, stop, seed, system, chat
    _score(prompt, continuations, system, chat) -> list[(logprob_sum, n_tokens)]

and this class adds, for every backend alike: argument checking, the on-disk reply cache (a hit costs
no model call), the `record=` replay file, and `choose` (softmax over per-option scores).

A request is identified by `request_key(backend, op, request)`: a hash of the backend's name, the
operation and every setting that can change the reply. The same key is used by the cache, the record
file and the replay backend.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import WorkbenchError
from workbench.cache import key_of

#: Bump when the meaning of a stored reply changes (invalidates caches, not replay files' format).
KEY_VERSION = 1


class LLMError(WorkbenchError):
    """A language-model backend failed; the message is one line naming the problem."""


@dataclass(frozen=True)
class Score:
    """Log-likelihood of one continuation given the prompt (continuation tokens only, natural log)."""

    logprob_sum: float
    logprob_mean: float
    n_tokens: int


@dataclass(frozen=True)
class Choice:
    """The option chosen by likelihood, and the softmax over the options' scores."""

    index: int
    option: str
    probs: list[float]


def request_key(backend: str, op: str, request: dict[str, Any]) -> str:
    """The cache/replay key: a hash of backend name, operation and the full request."""
    return key_of({"v": KEY_VERSION, "backend": backend, "op": op, "request": request})


def short(text: str, n: int = 60) -> str:
    """A prompt shortened to one line for error messages."""
    text = " ".join(str(text).split())
    return repr(text if len(text) <= n else text[: n - 3] + "...")


def chat_text(tokenizer, prompt: str, system: str | None = None) -> str:
    """`prompt` as the user turn (after an optional system turn) rendered with the tokenizer's chat
    template, ending with the assistant header: the one rendering every backend uses."""
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def softmax(xs: list[float]) -> list[float]:
    m = max(xs)
    es = [math.exp(x - m) for x in xs]
    z = sum(es)
    return [e / z for e in es]


class LLM:
    """One language model behind one interface; see `workbench.llm` for the user-facing summary.

    Subclasses set `capable` (can it follow an output format in free text?) and implement `_generate`
    and `_score`. `backend` is the name that keys cached and recorded replies (usually `name`; the replay
    backend answers under the name of the backend it recorded).
    """

    capable: bool = False

    def __init__(self, name: str, *, cache: bool = True, record: str | Path | None = None):
        from workbench.llm.store import ReplyStore, cache_path

        self.name = name
        self.backend = name
        self._cache = ReplyStore(cache_path(name)) if cache else None
        self._record = ReplyStore(Path(record)) if record else None
        self.model_calls = 0  # backend invocations (batched calls count once); cache hits do not count

    def __repr__(self) -> str:
        return f"<LLM {self.name}>"

    # -- primitives implemented by backends --------------------------------------------------------
    def _generate(self, prompts: list[str], settings: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    def _score(self, prompt: str, continuations: list[str], system: str | None, chat: bool) -> list[tuple[float, int]]:
        raise NotImplementedError

    # -- the prompt text ---------------------------------------------------------------------------
    def chat_tokenizer(self):
        """The tokenizer whose chat template renders prompts on this side (backends override this)."""
        raise LLMError(f"{self.name} does not render a chat template on this side: call it with chat=False")

    def render(self, prompt: str, system: str | None = None, chat: bool = True) -> str:
        """The exact text the model sees before its reply: the chat template with the assistant header
        (chat=True) or the prompt as it is (chat=False)."""
        if not chat:
            if system:
                raise LLMError("system= needs chat=True (without a chat template there is no system turn)")
            return prompt
        tokenizer = self.chat_tokenizer()
        if not getattr(tokenizer, "chat_template", None):
            raise LLMError(f"{self.name} has no chat template: call it with chat=False")
        return chat_text(tokenizer, prompt, system)

    # -- cache / record ---------------------------------------------------------------------------
    def _lookup(self, key: str) -> Any:
        for store in (self._cache, self._record):
            if store is not None:
                hit = store.get(key)
                if hit is not None:
                    return hit
        return None

    def _remember(self, key: str, op: str, request: dict[str, Any], reply: Any) -> None:
        entry = {"key": key, "backend": self.backend, "capable": self.capable, "op": op,
                 "request": request, "reply": reply}
        for store in (self._cache, self._record):
            if store is not None and store.get(key) is None:
                store.append(entry)

    # -- public interface -------------------------------------------------------------------------
    def generate(self, prompt: str, max_new_tokens: int = 64, temperature: float = 0.0,
                 stop: list[str] | None = None, seed: int = 0, system: str | None = None,
                 chat: bool = True) -> str:
        """The reply to `prompt` (the user message; the chat template is applied unless chat=False).

        Greedy at temperature 0 (then `seed` is ignored); sampled otherwise, reproducibly per `seed`.
        The reply stops before the first of `stop` strings, which is not included."""
        return self.generate_batch([prompt], max_new_tokens=max_new_tokens, temperature=temperature,
                                   stop=stop, seed=seed, system=system, chat=chat)[0]

    def generate_batch(self, prompts: list[str], max_new_tokens: int = 64, temperature: float = 0.0,
                       stop: list[str] | None = None, seed: int = 0, system: str | None = None,
                       chat: bool = True) -> list[str]:
        """`generate` for each prompt; cached ones are not recomputed, the rest go to the backend in one batch."""
        if isinstance(prompts, str):
            raise LLMError("generate_batch takes a list of prompts, got one string")
        if not isinstance(max_new_tokens, int) or max_new_tokens < 1:
            raise LLMError(f"max_new_tokens must be a positive int, got {max_new_tokens!r}")
        if temperature < 0:
            raise LLMError(f"temperature must be >= 0, got {temperature!r}")
        if isinstance(stop, str):
            stop = [stop]
        stop = sorted(set(s for s in (stop or []) if s))
        settings = {"max_new_tokens": max_new_tokens, "temperature": float(temperature), "stop": stop,
                    "seed": int(seed) if temperature > 0 else 0, "system": system, "chat": bool(chat)}
        replies: list[str | None] = [None] * len(prompts)
        keys = []
        for i, p in enumerate(prompts):
            if not isinstance(p, str):
                raise LLMError(f"prompt {i} is {type(p).__name__}, not str")
            key = request_key(self.backend, "generate", {"prompt": p, **settings})
            keys.append(key)
            replies[i] = self._lookup(key)
        todo = [i for i, r in enumerate(replies) if r is None]
        if todo:
            self.model_calls += 1
            fresh = self._generate([prompts[i] for i in todo], settings)
            for i, text in zip(todo, fresh):
                replies[i] = text
        for i, p in enumerate(prompts):  # record hits too, so a replay file is complete
            self._remember(keys[i], "generate", {"prompt": p, **settings}, replies[i])
        return replies  # type: ignore[return-value]

    def score(self, prompt: str, continuations: list[str], system: str | None = None,
              chat: bool = True) -> list[Score]:
        """Log-likelihood of each continuation right after the prompt (after the assistant header when
        chat=True), over the continuation's tokens only. Include any leading space in the continuation."""
        if isinstance(continuations, str):
            raise LLMError("score takes a list of continuations, got one string")
        if not continuations:
            raise LLMError("score needs at least one continuation")
        for i, c in enumerate(continuations):
            if not isinstance(c, str) or not c:
                raise LLMError(f"continuation {i} is empty or not a string: {c!r}")
        request = {"prompt": prompt, "continuations": list(continuations), "system": system, "chat": bool(chat)}
        key = request_key(self.backend, "score", request)
        reply = self._lookup(key)
        if reply is None:
            self.model_calls += 1
            reply = [[float(s), int(n)] for s, n in self._score(prompt, list(continuations), system, bool(chat))]
        self._remember(key, "score", request, reply)
        return [Score(s, s / n if n else 0.0, n) for s, n in reply]

    def choose(self, prompt: str, options: list[str], system: str | None = None, chat: bool = True,
               normalize: str = "mean") -> Choice:
        """The most likely option: softmax over per-option log-likelihoods, per token ("mean", which does
        not favour short options) or summed ("sum", the option's full probability)."""
        if normalize not in ("mean", "sum"):
            raise LLMError(f"normalize must be 'mean' or 'sum', got {normalize!r}")
        scores = self.score(prompt, options, system=system, chat=chat)
        values = [s.logprob_mean if normalize == "mean" else s.logprob_sum for s in scores]
        probs = softmax(values)
        best = max(range(len(options)), key=lambda i: values[i])
        return Choice(best, options[best], probs)
