"""The embedded SmolLM2 backend: generation, likelihood scoring against a hand computation, choose,
the reply cache (counting real forward passes) and record -> replay. The model loads once per process."""
import pytest
import torch

from workbench.llm import LLMError, get_llm
from workbench.llm.hf import HFLLM, load_model, shared_model, torch_threads


@pytest.fixture(scope="module")
def llm():
    return get_llm("smollm2", cache=False)


class ForwardCounter:
    """Counts real forward passes of a torch module (a hook on the model, not a stand-in for it)."""

    def __init__(self, model):
        self.n = 0
        self.handle = model.register_forward_pre_hook(self._hook)

    def _hook(self, module, args):
        self.n += 1

    def close(self):
        self.handle.remove()


def test_greedy_generation_is_deterministic_and_sensible(llm):
    a = llm.generate("What is the capital of France?", max_new_tokens=16)
    b = llm.generate("What is the capital of France?", max_new_tokens=16)
    assert a == b and "Paris" in a
    assert llm.capable is False


def test_batched_generation_matches_one_at_a_time(llm):
    prompts = ["What is 2+2?", "Write one word that rhymes with cat.", "Name a fruit."]  # batched by length
    batch = llm.generate_batch(prompts, max_new_tokens=10)
    assert batch == [llm.generate(p, max_new_tokens=10) for p in prompts]  # left padding done right


def test_stop_strings_cut_the_reply(llm):
    full = llm.generate("Count from 1 to 10, separated by commas.", max_new_tokens=30)
    assert "5" in full
    cut = llm.generate("Count from 1 to 10, separated by commas.", max_new_tokens=30, stop=["5"])
    assert "5" not in cut and full.startswith(cut) and len(cut) < len(full)


def test_sampling_is_reproducible_per_seed_and_leaves_global_rng_alone(llm):
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    one = llm.generate("Tell me a story.", max_new_tokens=20, temperature=1.0, seed=1)
    assert torch.rand(1) == before  # the caller's random stream is untouched
    assert one == llm.generate("Tell me a story.", max_new_tokens=20, temperature=1.0, seed=1)
    assert one != llm.generate("Tell me a story.", max_new_tokens=20, temperature=1.0, seed=2)
    # in a batch, each prompt draws from its own generator: the same sample as alone
    batch = llm.generate_batch(["Tell me a story.", "Name an animal."], max_new_tokens=20, temperature=1.0, seed=1)
    assert batch == [one, llm.generate("Name an animal.", max_new_tokens=20, temperature=1.0, seed=1)]


def hand_logprobs(llm, text, continuation):
    """Log-probs of the continuation's tokens, computed directly: one unpadded forward pass over
    prompt+continuation, log_softmax, gather the next-token entries after the prompt's tokens."""
    tok, model = llm.tokenizer, llm.model
    prompt_ids = tok(text, add_special_tokens=False)["input_ids"]
    full_ids = tok(text + continuation, add_special_tokens=False)["input_ids"]
    assert full_ids[: len(prompt_ids)] == prompt_ids
    with torch.no_grad():
        logits = model(torch.tensor([full_ids])).logits[0]
    logp = torch.log_softmax(logits, dim=-1)
    return [float(logp[i - 1, full_ids[i]]) for i in range(len(prompt_ids), len(full_ids))]


def test_score_equals_a_hand_computation_from_the_logits(llm):
    prompt, conts = "What is the capital of France?", [" Paris", "The capital of France is Paris.", "London"]
    scores = llm.score(prompt, conts)  # one padded forward pass for the three
    text = llm.render(prompt)
    assert text.endswith("<|im_start|>assistant\n") and "What is the capital of France?" in text
    for cont, score in zip(conts, scores):
        hand = hand_logprobs(llm, text, cont)
        assert score.n_tokens == len(hand)
        assert score.logprob_sum == pytest.approx(sum(hand), abs=1e-3)
        assert score.logprob_mean == pytest.approx(sum(hand) / len(hand), abs=1e-3)
    assert scores[1].n_tokens == 7 and scores[0].logprob_sum > scores[2].logprob_sum


def test_scoring_many_continuations_in_chunks_equals_one_at_a_time(llm):
    from workbench.llm.hf import SCORE_BATCH

    conts = [" red", " green and blue", " a colour", " yellow", " purple!", " 42", " no", " the sky", " orange juice",
             " black"]
    assert len(conts) > SCORE_BATCH  # crosses a chunk boundary
    together = llm.score("My favourite colour is", conts, chat=False)
    for cont, score in zip(conts, together):
        alone = llm.score("My favourite colour is", [cont], chat=False)[0]
        assert score.n_tokens == alone.n_tokens
        assert score.logprob_sum == pytest.approx(alone.logprob_sum, abs=1e-3)


def test_score_handles_a_token_that_merges_across_the_boundary(llm):
    # "...is " + "Paris": the prompt alone ends in a lone space token, but prompt+continuation merges the
    # space into " Paris"; the continuation's tokens are those after the common prefix, i.e. " Paris".
    with_space = llm.score("The capital of France is ", ["Paris"], chat=False)[0]
    without = llm.score("The capital of France is", [" Paris"], chat=False)[0]
    assert with_space.n_tokens == without.n_tokens == 1
    assert with_space.logprob_sum == pytest.approx(without.logprob_sum, abs=1e-4)


CLEAR = [  # prompts whose answer SmolLM2-135M-Instruct gets right by a wide margin (measured)
    ("Which is bigger, an elephant or a mouse?", ["An elephant", "A mouse"], 0),
    ("What do bees make?", ["Milk", "Honey", "Steel"], 1),
    ("What is the opposite of 'up'?", ["Left", "Blue", "Down"], 2),
    ("Which animal says 'meow'?", ["A dog", "A cat", "A cow"], 1),
]


@pytest.mark.parametrize("prompt,options,answer", CLEAR)
def test_choose_picks_the_unambiguous_answer(llm, prompt, options, answer):
    for normalize in ("mean", "sum"):
        choice = llm.choose(prompt, options, normalize=normalize)
        assert choice.index == answer and choice.option == options[answer]
        assert sum(choice.probs) == pytest.approx(1.0) and choice.probs[answer] > 0.6


def test_cache_hit_returns_the_same_reply_without_calling_the_model(llm, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    counter = ForwardCounter(llm.model)
    try:
        cached = HFLLM("smollm2", cache=True)  # shares the loaded model; its cache file is under tmp_path
        reply = cached.generate("Name a colour.", max_new_tokens=8)
        scores = cached.score("Name a colour.", ["Red", "Table"])
        assert counter.n > 0
        counter.n = 0
        assert cached.generate("Name a colour.", max_new_tokens=8) == reply
        assert cached.score("Name a colour.", ["Red", "Table"]) == scores
        again = HFLLM("smollm2", cache=True)  # as a new process would: reads the file
        assert again.generate("Name a colour.", max_new_tokens=8) == reply
        assert again.choose("Name a colour.", ["Red", "Table"]).option == "Red"
        assert counter.n == 0
        cached.generate("Name a colour.", max_new_tokens=9)  # other settings: a miss, the model runs
        assert counter.n > 0
        assert (tmp_path / "llm").is_dir()
    finally:
        counter.close()


def test_record_then_replay_round_trip(llm, tmp_path):
    path = tmp_path / "replies.jsonl"
    recorder = HFLLM("smollm2", cache=False, record=path)
    reply = recorder.generate("Say hello.", max_new_tokens=8, system="Be brief.")
    batch = recorder.generate_batch(["Say hi.", "Say bye."], max_new_tokens=6)
    choice = recorder.choose("What do bees make?", ["Honey", "Milk"])
    replay = get_llm(f"replay:{path}")
    assert replay.generate("Say hello.", max_new_tokens=8, system="Be brief.") == reply
    assert replay.generate_batch(["Say hi.", "Say bye."], max_new_tokens=6) == batch
    assert replay.choose("What do bees make?", ["Honey", "Milk"]) == choice
    assert replay.capable is False
    with pytest.raises(LLMError, match="replay miss"):
        replay.generate("Say hello.", max_new_tokens=8)  # without the system prompt: not recorded


def test_load_model_gives_a_fresh_trainable_copy(llm):
    model, tok = load_model("smollm2")
    assert model is not llm.model and model.training and tok.chat_template
    assert next(model.parameters()).dtype == torch.float32
    assert all(p.requires_grad for p in model.parameters())
    ids = torch.tensor([tok("Hello there", add_special_tokens=False)["input_ids"]])
    with torch.no_grad():
        model.eval()
        assert torch.allclose(model(ids).logits, llm.model(ids).logits, atol=1e-5)
    with torch.no_grad():
        next(model.parameters()).add_(1.0)  # training it does not change the shared inference model
    assert not torch.equal(next(model.parameters()), next(llm.model.parameters()))
    assert shared_model("smollm2")[0] is llm.model


def test_threads_setting(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setenv("WORKBENCH_LLM_THREADS", "1")
    with torch_threads():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    monkeypatch.setenv("WORKBENCH_LLM_THREADS", "many")
    with pytest.raises(LLMError, match="WORKBENCH_LLM_THREADS"):
        with torch_threads():
            pass


def test_model_errors_are_one_line(llm, tmp_path):
    with pytest.raises(LLMError, match="no-model-here does not exist") as err:
        get_llm(f"hf:{tmp_path / 'no-model-here'}")
    assert "\n" not in str(err.value)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    with pytest.raises(LLMError, match="cannot load") as err:
        get_llm(f"hf:{tmp_path / 'broken'}")
    assert "\n" not in str(err.value)
    with pytest.raises(LLMError, match="system= needs chat=True"):
        llm.generate("x", system="y", chat=False)


def test_candidate_conditional_decision_finds_the_page_a_question_is_about(llm):
    """With the 135M model, the likelihood of the question after each page's gist (minus its likelihood
    with no page) finds the page (docs/papers/readagent.md: 24 of 24 measured)."""
    from workbench.llm import decide

    gists = ["The baker Mara sold bread and honey cakes at the harvest market.",
             "The ship sailed north through a storm and lost its main mast.",
             "The town council voted to build a stone bridge over the river.",
             "A wolf was seen near the school, and the children stayed inside."]
    questions = ["What did Mara sell at the market?", "What did the ship lose in the storm?",
                 "What did the council decide to build?", "Why did the children stay inside?"]
    for right, q in enumerate(questions):
        d = decide(llm, "", range(len(gists)), frame=lambda i: f"Page summary: {gists[i]}\nA question this page answers:",
                   target=" " + q, baseline="A question this page answers:", chat=False)
        assert d.value == right and d.scores[right] > 0, (q, d.scores)
