"""Pre-registered claims (written before any run). Measured names come from `Run.measured()`:
`<metric>_<method>` with metric in accuracy, cr_pct, lookups, evidence_hit, chance_hit.

Paper numbers: QuALITY dev with PaLM 2-L (paper Table 1, §4.2 ablation).
"""
from workbench.results import Claim

CLAIMS = [
    Claim("p-beats-gists",
          paper="ReadAgent-P (look up 1-5 pages) beats the gist memory alone: 86.83% vs 77.52% on QuALITY",
          rule="accuracy_readagent_p > accuracy_gists",
          note="same pages and gists; ReadAgent-P reads up to lookup_k pages (cpu: 2)"),
    Claim("s-beats-gists",
          paper="ReadAgent-S (sequential look-up, up to 6 pages) beats the gist memory alone: 87.17% vs 77.52%",
          rule="accuracy_readagent_s > accuracy_gists",
          note="ReadAgent-S reads up to seq_max pages (cpu: 2)"),
    Claim("lookup-finds-evidence",
          paper="interactive look-up retrieves the pages needed to answer (implied by P/S > GistMem)",
          rule="evidence_hit_readagent_p > chance_hit_readagent_p",
          note="generated benchmark: each detail is stated in one known paragraph; chance = the probability "
               "that the same number of pages drawn at random includes the evidence page"),
    Claim("compression-ordering",
          paper="CR: GistMem 85.53% > ReadAgent-P 1-5 66.45% > full text 0%",
          rule="cr_pct_gists > cr_pct_readagent_p > 0",
          note="CR = 100 (1 - words of the longest in-context document text / document words)"),
    Claim("llm-pagination-helps",
          paper="LLM pagination beats uniform-length pagination: 86.83% vs 85.71% (ReadAgent-P 1-5)",
          rule="accuracy_readagent_p > accuracy_uniform_p",
          note="uniform pages of uniform_words words, gisted and looked up the same way. Strict '>': a "
               "tie (e.g. both at chance) is no evidence"),
]
