"""Both agents decode programs the same way: the best beams, the first the sandbox's grammar accepts."""
from workbench.papers.webagent import data, model as mdl
from workbench.papers.webagent.agents import Modular, Policy, Single
from workbench.papers.webagent.train import first_program, generate_beams
from workbench.web.observation import Element, Observation


def test_first_program_takes_the_first_that_parses():
    assert first_program(["click(", "click(4)", 'type(5, "a")']) == ("click(4)", 1)
    assert first_program(['type(5, "a")', "click(4)"]) == ('type(5, "a")', 0)
    # nothing parses: the best beam goes to the sandbox, which refuses it with its reason
    assert first_program(["click(", "import os"]) == ("click(", -1)


def _policy(beams: int) -> Policy:
    docs = ['<div ref=3><button ref=4>Submit</button></div>', 'click(4) type(5, "ann")'] * 4
    tok = data.train_tokenizer(docs, vocab_size=300, n_sentinels=4)
    m = mdl.build(mdl.ModelShape(tok.vocab_size, d_model=16, d_ff=32, layers=1, heads=2, local_radius=8,
                                 global_block=4), seed=0)
    return Policy(m, tok, max_len=64, max_new=8, beams=beams)


def test_beams_and_both_agents_use_the_same_decoding():
    policy = _policy(beams=3)
    out = generate_beams(policy.model, policy.tok, "act: click submit | <button ref=4>Submit", 64, 8, 3)
    assert len(out) == 3 and all(isinstance(s, str) for s in out)
    calls = []
    real = policy.program

    def spy(kind, ex):
        calls.append(kind)
        return real(kind, ex)

    policy.program = spy
    obs = Observation("Click submit.", [], [Element(4, 3, "BUTTON", "Submit", None, "", "", 0, 0, 10, 10, False, 2)],
                      '<div data-wob_ref="3"><button data-wob_ref="4">Submit</button></div>')
    Single(policy)(obs, [])
    Modular(policy)(obs, [])
    assert calls == ["act", "program"]
