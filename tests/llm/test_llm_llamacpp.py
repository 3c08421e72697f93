"""The optional llama.cpp backend (needs llama-cpp-python, which the lock file does not install)."""
import importlib.util

import pytest

from workbench.llm import LLMError, get_llm

HAVE = importlib.util.find_spec("llama_cpp") is not None
needs = pytest.mark.skipif(not HAVE, reason="llama-cpp-python is not installed")


@pytest.mark.skipif(HAVE, reason="llama-cpp-python is installed")
def test_a_missing_llama_cpp_is_a_clear_error():
    with pytest.raises(LLMError, match="needs llama-cpp-python"):
        get_llm("llamacpp", cache=False)


@pytest.fixture(scope="module")
def both():
    return get_llm("llamacpp", cache=False), get_llm("smollm2", cache=False)


@needs
def test_llamacpp_generates_greedily_and_deterministically(both):
    fast, slow = both
    # (not "capital of France": there "L" and "The" are within 0.1 nat and Q4 matmuls flip the tie)
    for prompt in ("What is 2+2?", "Name a fruit."):
        a = fast.generate(prompt, max_new_tokens=12)
        assert a == fast.generate(prompt, max_new_tokens=12) == slow.generate(prompt, max_new_tokens=12)
    story = fast.generate("Tell me a story.", max_new_tokens=12, temperature=1.0, seed=1)
    assert story == fast.generate("Tell me a story.", max_new_tokens=12, temperature=1.0, seed=1)
    cut = fast.generate("Count from 1 to 10, separated by commas.", max_new_tokens=30, stop=["5"])
    assert "5" not in cut and cut.strip()
    assert fast.backend == "llamacpp" and fast.capable is False


@needs
def test_llamacpp_scores_like_the_transformers_backend(both):
    fast, slow = both
    conts = [" Paris", "The capital of France is Paris.", "London"]
    for a, b in zip(fast.score("What is the capital of France?", conts), slow.score("What is the capital of France?", conts)):
        assert a.n_tokens == b.n_tokens
        assert a.logprob_sum == pytest.approx(b.logprob_sum, abs=0.1 * b.n_tokens + 0.3)  # same weights, Q4 matmuls
    assert fast.choose("What do bees make?", ["Milk", "Honey", "Steel"]).option == "Honey"
    assert fast.choose("Which is bigger, an elephant or a mouse?", ["An elephant", "A mouse"]).index == 0
