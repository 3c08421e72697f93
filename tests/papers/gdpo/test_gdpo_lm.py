"""The LM trainer on a tiny random Llama: cached-prefix log-probs equal a full forward pass, and a few
DPO/GDPO steps raise the chosen response's probability."""
import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from workbench.papers.gdpo import lm


def tiny_model(seed=0):
    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=40, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    return LlamaForCausalLM(cfg).eval()


def batch(seed=1, n=6):
    g = torch.Generator().manual_seed(seed)
    rows, starts = [], []
    for i in range(n):
        length = 6 + int(torch.randint(0, 8, (1,), generator=g))
        rows.append(torch.randint(1, 40, (length,), generator=g).tolist())
        starts.append(3 + i % 2)
    return lm.collate(rows, starts, pad_id=0)


def test_collate_masks():
    ids, attn, target = lm.collate([[5, 6, 7, 8], [9, 10, 11]], [2, 1], pad_id=0)
    assert ids.tolist() == [[5, 6, 7, 8], [9, 10, 11, 0]]
    assert attn.tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    assert target.tolist() == [[False, False, True, True], [False, True, True, False]]


@pytest.mark.parametrize("n_train", [1, 2, 3])
def test_cached_prefix_matches_full_forward(n_train):
    model = tiny_model()
    ids, attn, target = batch()
    with torch.no_grad():
        full = lm.sequence_logps(model, ids, attn, target)
        h = lm.frozen_hidden(model, ids, attn, n_train)
        fast = lm.top_logps(model, h, ids, attn, target, n_train)
    assert torch.allclose(full, fast, atol=1e-5), (full, fast)


def test_sequence_logps_by_hand():
    # the sum over response tokens of log softmax(logits[t−1])[token_t], computed directly
    model = tiny_model()
    ids, attn, target = lm.collate([[3, 4, 5, 6, 7]], [3], pad_id=0)
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids).logits[0], -1)
        expected = logp[2, 6] + logp[3, 7]
        assert float(lm.sequence_logps(model, ids, attn, target)[0]) == pytest.approx(float(expected), abs=1e-5)


@pytest.mark.parametrize("loss_type,n_train", [("dpo", 1), ("gdpo", 1), ("dpo", 0)])
def test_training_raises_chosen_probability(loss_type, n_train):
    base = tiny_model()
    ids, attn, target = batch(n=8)
    with torch.no_grad():
        ref = lm.sequence_logps(base, ids, attn, target)
        hidden = lm.frozen_hidden(base, ids, attn, n_train) if n_train else None
    data = lm.PairData(ids, attn, target, torch.full((4,), 0.9), ref, hidden)
    policy = lm.make_policy(base, n_train)
    hist = lm.train_policy(policy, data, loss_type, beta=0.5, lr=1e-2, batch_pairs=4, epochs=10,
                           n_train=n_train)
    with torch.no_grad():
        after = lm.sequence_logps(policy, ids, attn, target)
    chosen_gain = (after - ref)[0::2]
    assert float(chosen_gain.mean()) > 0.05            # the chosen responses became more likely
    assert float(((after - ref)[0::2] - (after - ref)[1::2]).mean()) > 0.2   # margin h grew
    assert hist.last("train/loss") < hist.rows[0][1]["train/loss"]
    # the base (reference) model was not touched
    with torch.no_grad():
        assert torch.allclose(lm.sequence_logps(base, ids, attn, target), ref)
