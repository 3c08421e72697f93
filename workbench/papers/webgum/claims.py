"""WebGUM claims, fixed before any run (arXiv 2305.11854; notes: docs/papers/webgum.md).

Measured names (`analysis.measured_samples`; success = raw reward > 0 on live episodes, each a
bootstrap over (task, episode) units, paired across models by seed):
  success_image_html, success_html, success_image   the three variants, trained on the full set
  gain_visual, gain_nonvisual                       image+html minus HTML-only on visual / non-visual tasks
  gain_visual_blind                                 the same gain on the visual tasks whose target a rule
                                                    reading only the models' HTML view cannot pick
                                                    (`html_rule`, pick rate < 0.5 on the training
                                                    demonstrations; left out when there is none)
  success_blank_image, success_one_frame            controls: the image+html model with white screenshots
                                                    (and no element boxes or pixels), and with the current
                                                    screenshot only
  success_demos_small, success_demos_mid, success_demos_full
                                                    the image+html model on the smallest, the larger
                                                    smaller, and the full demonstration set
Every model reads the same HTML view, `Config.html_view` = "dom": the page rebuilt from MiniWoB's DOM
fields (tag, id, class, text, value, ref), as WebN-T5 / WebGUM's MiniWoB HTML; styles and SVG paint
(the colours) are not in it. Every model is trained to convergence by one rule (early stopping on
held-out action accuracy, a cap on updates).
Ties are not evidence: two models at the same success give support 0.5 (inconclusive).
"""
from workbench.results import Claim

CLAIMS = [
    Claim("image-helps",
          paper="adding the screenshot to the HTML helps: Flan-T5-Base + ViT 61.1% vs HTML-only 55.7% with 2.8K "
                "demos; XL with 401K demos 94.2% vs HTML-only 88.7%",
          rule="success_image_html >= success_html",
          note="the same from-scratch model with the image tokens (patches, element boxes and pixels) removed; "
               "both read the DOM view of the HTML and are trained to convergence (early stopping); the paper's "
               "ordering, not its absolute numbers"),
    Claim("gain-larger-on-visual",
          paper="the image helps most where the task is visual: book-flight +50, shape tasks +22 (image vs HTML-only)",
          rule="gain_visual > gain_nonvisual",
          note="visual = workbench.web.catalog.VISUAL (colours, shapes), all of them; the models read the DOM "
               "view, where colours are absent and SVG shapes appear as their tags (circle, rect, polygon, text)"),
    Claim("gain-larger-on-html-blind-visual",
          paper="the image helps most where the task is visual: book-flight +50, shape tasks +22 (image vs HTML-only)",
          rule="gain_visual_blind > gain_nonvisual",
          note="only the visual tasks whose target a rule reading only the DOM view cannot pick (html_rule: "
               "instruction words, colour and shape names against each element's HTML; pick rate < 0.5 on the "
               "training demonstrations), decided before the models are trained"),
    Claim("more-demos-help",
          paper="success grows with the number of demonstrations: 2.8K -> 68K -> 347K episodes gives "
                "61.1 -> 62.3 -> 66.1% (Base + image)",
          rule="success_demos_small < success_demos_mid and success_demos_mid < success_demos_full",
          note="nested subsets of one oracle demonstration set (the first N successful episodes per task); "
               "every size trained to convergence by the same early-stopping rule on the same held-out episodes "
               "(not the same number of updates)"),
    Claim("screenshot-content-helps",
          paper="with a white image in place of the screenshot WebGUM falls to the HTML-only level (ablation)",
          rule="success_image_html > success_blank_image",
          note="control: the same image+html model trained and evaluated with white screenshots and no element "
               "boxes or pixels (the token count unchanged)"),
    Claim("two-frames-help",
          paper="temporal + local visual tokens (the last 2 screenshots) beat local tokens of one screenshot: "
                "66.1 vs 64.0 (Base, unverified)",
          rule="success_image_html > success_one_frame",
          note="control: the same image+html model with the current screenshot only (H = 1 instead of 2)"),
]
