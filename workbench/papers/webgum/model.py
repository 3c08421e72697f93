"""WebGUM-lite: one transformer encoder over instruction, HTML, screenshot patches and element slots,
with structured action heads.

WebGUM (arXiv 2305.11854, Fig. 2): ViT patch tokens of the last H = 2 screenshots ("temporal" and
"local") are concatenated with the text tokens (instruction, action history, HTML) into the Flan-T5
encoder; the decoder writes the action as text. Here, trained from scratch in minutes on a CPU:

    tokens = [CLS + step] [instruction words] [HTML tokens]? [patches of H frames]? [element slots]
    encoder: `layers` pre-norm transformer layers (d_model, heads)
    heads:   kind    = Linear(h_CLS)                          click | type
             element = <Wq h_CLS, Wk h_slot> / sqrt(d)         pointer over the element slots (the `ref`)
             span    = <Ws h_word, h_CLS + h_slot*>, <We ...>  start / end instruction word of the typed text

Departures (named, each a choice a reader can change): structured heads instead of a text decoder
(the same three fields `{"action", "ref", "text"}`, decoded by `tokens.action_to_text`), since a
text decoder from scratch spends its few minutes learning to spell refs; the typed text is copied
from the instruction (every typed text in the click/type tasks is); element slots: one token per
numbered element carrying its own HTML tokens (mean-pooled embeddings) and, in image variants, its
drawn box and pixel statistics, so the pointer has something to point at in every variant.

Variants remove whole modalities: `use_html=False` drops HTML tokens and the HTML parts of the slots
(image-only); `use_image=False` drops patches and the box/pixel parts of the slots (HTML-only).
Controls keep both modalities: "blank-image" replaces every screenshot by a white one (and the slots'
box and pixel features by those of a white page: no box, white pixels), the paper's white-image
control; "one-frame" keeps the current screenshot only (H = 1 instead of 2).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from workbench.papers.webgum.tokens import N_BUCKETS, patch_grid


MODALITIES = {"image+html": (True, True), "html": (True, False), "image": (False, True),
              "blank-image": (True, True), "one-frame": (True, True)}


def modalities(variant: str) -> tuple[bool, bool]:
    """(use_html, use_image) of a variant or control name."""
    return MODALITIES[variant]


class WebGUMLite(nn.Module):
    def __init__(self, cfg, variant: str = "image+html"):
        super().__init__()
        self.use_html, self.use_image = modalities(variant)
        self.variant = variant
        self.blank = variant == "blank-image"
        d = cfg.d_model
        self.patch, self.image_size = cfg.patch, cfg.image_size
        self.frames = 1 if variant == "one-frame" else cfg.frames
        g = patch_grid(cfg.image_size, cfg.patch)
        self.words = nn.Embedding(N_BUCKETS, d, padding_idx=0)       # shared by instruction and HTML
        self.segment = nn.Embedding(5, d)                             # cls, instruction, html, patch, slot
        self.pos_text = nn.Embedding(max(cfg.max_instr_tokens, cfg.max_html_tokens), d)
        self.step_emb = nn.Embedding(32, d)
        self.cls = nn.Parameter(torch.zeros(d))
        self.hist = nn.Embedding(4, d)                               # times this episode acted on the element
        self.match = nn.Linear(2, d)
        # image: linear patch embedding (ViT), 2-D position and frame embeddings; slot box + pixel stats
        self.patch_proj = nn.Linear(cfg.patch * cfg.patch * 3, d)
        self.pos_patch = nn.Parameter(torch.randn(g * g, d) * 0.02)
        self.frame_emb = nn.Embedding(cfg.frames, d)
        self.box = nn.Sequential(nn.Linear(4 + 6, d), nn.GELU(), nn.Linear(d, d))
        layer = nn.TransformerEncoderLayer(d, cfg.heads, 2 * d, dropout=0.0, batch_first=True, norm_first=True,
                                           activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.kind_head = nn.Linear(d, 2)
        self.wq, self.wk = nn.Linear(d, d), nn.Linear(d, d)
        self.ws, self.we = nn.Linear(d, d), nn.Linear(d, d)
        self.d = d

    # -- inputs ------------------------------------------------------------------------------------
    def pixels(self, frames: torch.Tensor) -> torch.Tensor:
        """uint8 [B, H, S, S, 3] -> float [B, H, S, S, 3] in [-1, 1] (the tensor saliency differentiates)."""
        return frames.float() / 127.5 - 1.0

    def patch_tokens(self, px: torch.Tensor) -> torch.Tensor:
        """[B, H, S, S, C] -> [B, H, (S/p)^2, p*p*C]: the order of `tokens.patches` for every frame."""
        B, H, S, _, C = px.shape
        g = S // self.patch
        p = px.reshape(B, H, g, self.patch, g, self.patch, C).permute(0, 1, 2, 4, 3, 5, 6)
        return p.reshape(B, H, g * g, self.patch * self.patch * C)

    def forward(self, batch: dict, pixels: torch.Tensor | None = None) -> dict:
        """Logits for a packed batch (`data.pack`): kind [B, 2], elem [B, E] (padding at -inf),
        and `h_words`, `h_cls`, `h_slots` for the span head. `pixels` replaces the frames' pixels
        (saliency passes a tensor that requires grad)."""
        instr, html = batch["instr"], batch["html"]
        B, Li = instr.shape
        dev = instr.device
        parts, masks = [], []
        cls = self.cls + self.segment.weight[0] + self.step_emb(batch["step"].clamp(max=31))
        parts.append(cls[:, None])
        masks.append(torch.ones(B, 1, dtype=torch.bool, device=dev))
        parts.append(self.words(instr) + self.pos_text.weight[:Li] + self.segment.weight[1])
        masks.append(instr != 0)
        slot = self.segment.weight[4] + self.hist(batch["elem_hist"])
        if self.use_html:
            Lh = html.shape[1]
            h_emb = self.words(html)
            parts.append(h_emb + self.pos_text.weight[:Lh] + self.segment.weight[2])
            masks.append(html != 0)
            tok = batch["elem_tok"]                                      # [B, E, K], -1 = pad
            valid = (tok >= 0).float()
            gathered = torch.gather(h_emb, 1, tok.clamp(min=0).reshape(B, -1, 1).expand(-1, -1, self.d))
            gathered = gathered.reshape(*tok.shape, self.d) * valid[..., None]
            slot = slot + gathered.sum(2) / valid.sum(2, keepdim=True).clamp(min=1) + self.match(batch["elem_match"])
        if self.use_image:
            px = self.pixels(batch["frames"]) if pixels is None else pixels      # [B, H, S, S, 3]
            px = px[:, :self.frames]
            box = torch.cat([batch["elem_box"], batch["elem_rgb"]], -1)
            if self.blank:   # a white page: white pixels, no element box, white element pixels
                px = torch.ones_like(px)
                box = torch.zeros_like(box)
                box[..., 4:7] = 1.0
            p = self.patch_proj(self.patch_tokens(px))                          # [B, H, N, d]
            H, N = p.shape[1], p.shape[2]
            p = p + self.pos_patch + self.frame_emb.weight[:H, None]
            parts.append(p.reshape(B, H * N, self.d) + self.segment.weight[3])
            masks.append(torch.ones(B, H * N, dtype=torch.bool, device=dev))
            slot = slot + self.box(box)
        parts.append(slot)
        masks.append(batch["elem_mask"])
        x = torch.cat(parts, 1)
        keep = torch.cat(masks, 1)
        h = self.norm(self.encoder(x, src_key_padding_mask=~keep))
        E = slot.shape[1]
        h_cls, h_words, h_slots = h[:, 0], h[:, 1:1 + Li], h[:, -E:]
        elem = torch.einsum("bd,bed->be", self.wq(h_cls), self.wk(h_slots)) / math.sqrt(self.d)
        elem = elem.masked_fill(~batch["elem_mask"], float("-inf"))
        return {"kind": self.kind_head(h_cls), "elem": elem, "h_cls": h_cls, "h_words": h_words,
                "h_slots": h_slots, "instr_mask": instr != 0}

    def span_logits(self, out: dict, elem_index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Start and end logits [B, Li] over instruction words, given the element typed into."""
        ctx = out["h_cls"] + out["h_slots"][torch.arange(len(elem_index)), elem_index]
        s = torch.einsum("bld,bd->bl", self.ws(out["h_words"]), ctx) / math.sqrt(self.d)
        e = torch.einsum("bld,bd->bl", self.we(out["h_words"]), ctx) / math.sqrt(self.d)
        pad = ~out["instr_mask"]
        return s.masked_fill(pad, float("-inf")), e.masked_fill(pad, float("-inf"))


def loss_fn(model: WebGUMLite, batch: dict) -> tuple[torch.Tensor, dict]:
    """Behaviour-cloning loss: CE(kind) + CE(element) + CE(span start) + CE(span end) on type steps.
    Returns (loss, metrics) with the batch's exact-action accuracy (kind, element and span right)."""
    import torch.nn.functional as F

    out = model(batch)
    kind, elem, span = batch["kind"], batch["elem"], batch["span"]
    loss = F.cross_entropy(out["kind"], kind) + F.cross_entropy(out["elem"], elem)
    s_log, e_log = model.span_logits(out, elem)
    typed = kind == 1
    correct = (out["kind"].argmax(-1) == kind) & (out["elem"].argmax(-1) == elem)
    if typed.any():
        loss = loss + F.cross_entropy(s_log[typed], span[typed, 0]) + F.cross_entropy(e_log[typed], span[typed, 1])
        span_ok = (s_log.argmax(-1) == span[:, 0]) & (e_log.argmax(-1) == span[:, 1])
        correct = correct & (span_ok | ~typed)
    return loss, {"loss": float(loss.detach()), "acc": float(correct.float().mean())}


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
