"""RT-1-mini: the causal history mask, padding, shapes, and a tiny imitation problem it must learn."""
import torch

from workbench.papers.rtx.model import ModelConfig, RT1Mini, step_mask


def test_step_mask_by_hand():
    # history 2: tokens [instruction, s0, s1]; step 0 is padding in the first window
    m = step_mask(2, torch.tensor([[False, True], [True, True]]))[:, 0].int().tolist()
    assert m[0] == [[1, 0, 0], [1, 1, 0], [1, 0, 1]]     # s1 skips the padded s0; s0 sees only text and itself
    assert m[1] == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]     # causal: s0 cannot see s1


def test_outputs_depend_only_on_the_past_and_never_on_padding():
    torch.manual_seed(0)
    model = RT1Mini(ModelConfig(d_model=32, layers=2, heads=4, history=4, dropout=0.0)).eval()
    text, state = torch.randn(1, 384), torch.randn(1, 4, 17)
    pad = torch.ones(1, 4, dtype=torch.bool)
    base = model(text, state, pad)
    later = state.clone()
    later[0, 2] += 1.0                                                   # change step 2
    out = model(text, later, pad)
    assert torch.allclose(out[:, :2], base[:, :2], atol=1e-6)           # steps 0, 1 cannot see it
    assert not torch.allclose(out[:, 2:], base[:, 2:], atol=1e-4)       # steps 2, 3 can
    pad = torch.tensor([[False, False, True, True]])
    a = model(text, state, pad)
    junk = state.clone()
    junk[0, :2] = 100.0                                                  # padded steps hold junk
    assert torch.allclose(model(text, junk, pad)[:, 2:], a[:, 2:], atol=1e-5)


def test_learns_a_state_to_action_map_with_history():
    # the target token of step t is the sign pattern of state[t - 1, 0]: only visible through the history
    torch.manual_seed(0)
    model = RT1Mini(ModelConfig(d_model=32, layers=2, heads=4, history=2, bins=8, action_size=1, dropout=0.0))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    for _ in range(200):
        state = torch.randn(64, 2, 17)
        y = (state[:, 0, 0] > 0).long() * 7
        logits = model(torch.zeros(64, 384), state, torch.ones(64, 2, dtype=torch.bool))[:, 1, 0]
        loss = torch.nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    state = torch.randn(256, 2, 17)
    pred = model(torch.zeros(256, 384), state, torch.ones(256, 2, dtype=torch.bool))[:, 1, 0].argmax(-1)
    assert (pred == (state[:, 0, 0] > 0).long() * 7).float().mean() > 0.95
