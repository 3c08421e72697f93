"""Each likelihood decision with the real embedded SmolLM2-135M on constructed cases: the option the
question (or the text around a break) points to must win. Framed so that content decides: choosing
among labels by likelihood was position-bound with this model (docs/papers/readagent.md)."""
import pytest

from workbench.llm import get_llm
from workbench.papers.readagent import agent
from workbench.papers.readagent.agent import Memory
from workbench.papers.readagent.data import evidence_page, generate_document
from workbench.papers.readagent.paginate import Page, choose_break_by_text

pytestmark = pytest.mark.slow   # one model load (~20-90 s) and a few hundred short forward passes


@pytest.fixture(scope="module")
def llm():
    return get_llm("smollm2", cache=False)


@pytest.fixture(scope="module")
def doc():
    return generate_document(seed=7, index=1, words=700)     # 5 episodes, one question each


def episode_memory(doc):
    """One page per episode; each gist is the episode's opening sentence (subject and object, no detail)."""
    bounds = doc.sections + [len(doc.paragraphs)]
    pages = [Page(i, a, b, "\n".join(doc.paragraphs[a:b])) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]
    return Memory(pages, [p.text.split(". ")[0] + "." for p in pages])


def test_parallel_lookup_opens_the_page_the_question_is_about(llm, doc):
    memory = episode_memory(doc)
    for right, q in enumerate(doc.questions):
        opened, reply = agent.lookup_parallel(llm, memory, q, k=1)
        assert opened == [right], (q.question, reply)


def test_sequential_lookup_opens_the_evidence_page_then_stops(llm, doc):
    memory = episode_memory(doc)
    for right, q in list(enumerate(doc.questions))[:3]:
        read, replies, _ = agent.lookup_sequential(llm, memory, q, budget=3, stop_margin=1.0, candidates=4)
        assert read == [right], (q.question, replies)
        assert replies[-1].startswith("STOP"), replies


def test_pagination_breaks_where_the_story_changes(llm):
    # two paragraphs about a baker, then two about a ship: labels inside each part and at the change
    paragraphs = [
        "Mara baked bread in the village oven every morning before dawn. She kneaded the dough with flour "
        "from the mill and left the loaves to rise by the warm bricks.",
        "By seven the loaves were brown and crisp, and Mara carried the bread to the market in two baskets. "
        "The neighbours bought her bread and her sweet buns until nothing was left.",
        "Far out at sea, the ship Albatross fought a storm for three nights. Waves broke over the deck and "
        "the sailors tied themselves to the mast.",
        "On the fourth night the Albatross lost her mainsail, and the captain ordered the crew to bail water "
        "from the hold until the storm passed.",
    ]
    label, reply = choose_break_by_text(llm, paragraphs, [1, 2, 3])
    assert label == 2, reply


def test_answer_from_the_evidence_page_and_not_without_it(llm, doc):
    for q in doc.questions:
        assert agent.answer(llm, evidence_page(doc, q), q)[0] == q.answer, q.question
    # the gist-only context (no detail): the right option is not reached by copying
    memory = episode_memory(doc)
    assert not any(q.options[q.answer] in memory.context() for q in doc.questions)


def test_gists_of_the_real_model_stop_at_a_repetition_loop(llm, doc):
    memory = episode_memory(doc)
    gists = agent.gist_pages(llm, memory.pages[:2], max_new_tokens=48)
    for g in gists:
        assert g and agent.cut_repetition(g) == g
