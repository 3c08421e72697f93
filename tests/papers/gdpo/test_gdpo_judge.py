"""The judge's order averaging, its calibration metrics, and the task checker."""
import hashlib

import numpy as np
import pytest

from workbench.papers.gdpo import judge as J
from workbench.papers.gdpo import task as T


class BiasedJudge:
    """A fake LLM: prefers the response containing the word, plus a strong pull towards 'A'."""

    def choose(self, prompt, options, normalize="mean", **kw):
        a = prompt.split("Response A: ")[1].split("\n\nResponse B: ")[0]
        b = prompt.split("Response B: ")[1].split("\n\n")[0]
        word = prompt.split('uses the word "')[1].split('"')[0]
        noise = int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 100 / 1000
        logit = 1.5 + 0.8 * (T.reward(a, word) - T.reward(b, word)) + noise   # +1.5: position bias
        pa = 1 / (1 + np.exp(-logit))

        class C:
            probs = [pa, 1 - pa]
        return C()


def test_order_swap_symmetry():
    p = T.make_prompts(1)[0]
    y1, y2 = f"I like the {p.word}.", "Nothing here."
    v12, v21 = J.judge_pair(BiasedJudge(), p, y1, y2), J.judge_pair(BiasedJudge(), p, y2, y1)
    assert v12.p_hat + v21.p_hat == pytest.approx(1.0, abs=1e-12)
    assert v12.p_hat > 0.5                        # the averaged verdict still sees the word
    assert v12.p_a_forward > 0.5 and v12.p_a_swapped > 0.5   # both raw orders say "A"
    assert v12.position_bias > 0.25


def test_calibration_by_hand():
    # decidable pairs: (p̂=.9, y1 better) right, (p̂=.6, y2 better) wrong, (p̂=.5, y1 better) half; a tie is dropped
    c = J.calibration([0.9, 0.6, 0.5, 0.8], [1, 0, 1, 1], [0, 1, 0, 1], n_bins=5)
    assert c["n"] == 3
    assert c["accuracy"] == pytest.approx((1 + 0 + 0.5) / 3)
    # bins of confidence: .9 -> bin 4 (acc 1, |1−.9| = .1), .6 -> bin 1 (acc 0, .6), .5 -> bin 0 (acc .5, 0)
    assert c["ece"] == pytest.approx((0.1 + 0.6 + 0.0) / 3)


def test_reward_checker():
    assert T.reward("The Rivers were high.", "river") == 1.0
    assert T.reward("A driver came.", "river") == 0.0
    assert T.reward("", "river") == 0.0
    assert T.truth_label(1, 0, 0.5) == pytest.approx(1 / (1 + np.exp(-2)))
    assert T.win_rate([1, 0, 1], [0, 0, 1]) == pytest.approx((1 + 0.5 + 0.5) / 3)


def test_prompts_disjoint_and_reproducible():
    a, b = T.make_prompts(30), T.make_prompts(10, offset=30)
    assert a == T.make_prompts(30)
    assert not {p.text for p in a} & {p.text for p in b}
    assert all(f'"{p.word}"' in p.text for p in a)
