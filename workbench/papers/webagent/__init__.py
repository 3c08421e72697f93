"""WebAgent / HTML-T5-mini (arXiv 2307.12856): a tiny LongT5-TGlobal pre-trained on MiniWoB HTML with
long-span denoising vs T5's short span, fine-tuned to plan, extract snippets and write programs that run
in the `workbench.web.program` sandbox. Modules: config, claims, data (corpus, tokenizer, span
corruption, labels), model (builders, speed/memory), train (loops, decoding, accuracy), agents
(modular and single program writers), experiment (cached stages), analysis (measured values, figures)."""
