"""WebGUM claims, fixed before any run (arXiv 2305.11854; notes: docs/papers/webgum.md).

Measured names (`analysis.measured_samples`; success = raw reward > 0 on live episodes, each a
bootstrap over (task, episode) units, paired across models by seed):
  success_image_html, success_html, success_image   the three variants, trained on the full set
  gain_visual, gain_nonvisual                       image+html minus HTML-only on visual / non-visual tasks
  success_demos_small, success_demos_mid, success_demos_full
                                                    the image+html model on the smallest, the larger
                                                    smaller, and the full demonstration set
Ties are not evidence: two models at the same success give support 0.5 (inconclusive).
"""
from workbench.results import Claim

CLAIMS = [
    Claim("image-helps",
          paper="adding the screenshot to the HTML helps: Flan-T5-Base + ViT 61.1% vs HTML-only 55.7% with 2.8K "
                "demos; XL with 401K demos 94.2% vs HTML-only 88.7%",
          rule="success_image_html >= success_html",
          note="the same from-scratch model with the image tokens (patches, element boxes and pixels) removed; "
               "the paper's ordering, not its absolute numbers"),
    Claim("gain-larger-on-visual",
          paper="the image helps most where the task is visual: book-flight +50, shape tasks +22 (image vs HTML-only)",
          rule="gain_visual > gain_nonvisual",
          note="visual = workbench.web.catalog.VISUAL (colours, shapes); MiniWoB's data-* answer markers are "
               "removed from the HTML, so colours appear only as style values (names or rgb numbers)"),
    Claim("more-demos-help",
          paper="success grows with the number of demonstrations: 2.8K -> 68K -> 347K episodes gives "
                "61.1 -> 62.3 -> 66.1% (Base + image)",
          rule="success_demos_small < success_demos_mid and success_demos_mid < success_demos_full",
          note="nested subsets of one oracle demonstration set (the first N successful episodes per task), "
               "same number of updates for every size"),
]
