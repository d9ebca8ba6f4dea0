"""Weights of the toy encoders, set by code: the residual-stream layout and the circuit writers.

Every toy encoder is a stock transformers model (IJepaModel, ViTMAEModel or BeitModel) whose
parameters are overwritten here (`install`), so it saves and loads like any hub checkpoint. The
residual stream has a fixed layout (the channel constants below): three content channels (the
patch's mean R, G, B in normalised units, from the patch embedding; no position embedding), two
constant anchors (+A, -A) that keep LayerNorm well conditioned, one channel that is always zero (the
reference every read subtracts, so the LayerNorm mean cancels exactly), per-token features written
by the first two MLPs (objness, missing-patch detector), the accumulated global means written by
attention ("gathers"), and the outputs of the late circuit (R0 onset, R1 bottleneck, R2 late
attention, R3 MLP partner). Per-token features are stored scaled by FEATURE_SCALE so that every
token has nearly the same norm. A CLS token (MAE, BEiT) carries the anchors only.

How a read works: LayerNorm gives gamma * (x - mean) / sigma + beta with gamma = 1, beta = 0.
A read of channel c with weight w puts w on c and -w on the zero channel, so the mean drops out
and the read is w * x_c / sigma; sigma (the token's std over channels) is dominated by the anchors
and is folded in as the constant SIGMA, so reads are close to the raw channel values.

Linear responses go through GELU exactly: GELU(z) - GELU(-z) = z, so a pair of hidden units with
rows (+w, -w) and output columns (+1, -1) is an exact linear map. A one-sided unit
GELU(lam * z) / lam with large lam is a ReLU (used for thresholds and clamps).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

# ---- residual stream layout -------------------------------------------------------------------
CONTENT = (0, 1, 2)  # mean R, G, B of the patch (normalised: black = -1, mean-grey = 0)
ANCHOR_POS, ANCHOR_NEG, ZERO = 3, 4, 5
TEXTURE = (6, 7, 8)  # luminance contrasts inside the patch: left-right, top-bottom, diagonal quadrants
O_RAW, OBJ, W_RAW = 9, 10, 11  # saturation excess, objness, warm-colour excess
S_RAW, BLK = 12, 13  # summed |texture|, missing-patch detector (1 = flat patch: black or grey fill)
G_BLK, G_OBJ = 14, 15  # global means (accumulated): missing fraction, objness
G_COL = (16, 17, 18)  # global mean colour
R0 = (19,)  # onset MLP: area response
R1_AREA = (20,)  # bottleneck MLP: area part
R1_SEM = (21,)  # bottleneck MLP: semantic part (visible objness)
R1_COL = (22, 23, 24)  # bottleneck MLP: colour part
R2 = (25,)  # late attention: the semantic repair read from the missing tokens
R3 = (26,)  # MLP partner: second area response
LOCAL = (27,)  # early per-token (local) processing
HIDDEN = 28
ANCHOR = 3.0
SIGMA = ((2 * ANCHOR**2 + 0.5) / HIDDEN) ** 0.5  # typical per-token std over channels (anchors dominate)
LAM = 25.0  # sharpness of one-sided GELU units (ReLU approximation)
# Per-token features are stored scaled down (reads undo it), so that all tokens have nearly the same
# norm: a context token's drift then depends on what was written into it, not on its own colour.
FEATURE_SCALE = 0.3
STORED = {c: FEATURE_SCALE for c in (*CONTENT, *TEXTURE, O_RAW, OBJ, W_RAW, S_RAW, BLK)}
FLAT = 0.003  # summed |texture| (normalised units) below which a patch counts as missing; the
# synthetic scenes' patches all lie above 0.002 and 99.99% above 0.0033 (JPEG noise and texture).
TEX_LAM = 1000.0  # sharpness of the |texture| units (texture values of 0.003 must be resolved)


def _unit(channels: tuple[int, ...]) -> dict[int, float]:
    """Equal weights over channels with unit norm: a direction in the residual stream."""
    w = 1.0 / len(channels) ** 0.5
    return {c: w for c in channels}


@dataclass
class MLPWriter:
    """Accumulates hidden units of one block's MLP: fc1 rows and fc2 columns."""

    rows: list = field(default_factory=list)  # (read {channel: w}, bias, write {channel: w})
    offset: dict = field(default_factory=dict)  # constant added to channels (fc2 bias)

    def unit(self, read: dict[int, float], bias: float, write: dict[int, float]) -> None:
        """One hidden unit: GELU(read . LN(h) + bias), written with weights `write`."""
        self.rows.append((read, bias, write))

    def linear(self, read: dict[int, float], write: dict[int, float]) -> None:
        """Exactly linear map through GELU: z = read . LN(h); adds z * write."""
        self.unit(read, 0.0, write)
        self.unit({c: -w for c, w in read.items()}, 0.0, {c: -w for c, w in write.items()})

    def relu(self, read: dict[int, float], threshold: float, write: dict[int, float]) -> None:
        """Adds relu(read . LN(h) - threshold) * write (one sharp GELU unit)."""
        self.unit({c: LAM * w for c, w in read.items()}, -LAM * threshold, {c: w / LAM for c, w in write.items()})


def _read_row(read: dict[int, float]) -> torch.Tensor:
    """An fc1 / v_proj row reading raw channel values through a unit LayerNorm (zero-channel trick)."""
    row = torch.zeros(HIDDEN, dtype=torch.float64)
    for c, w in read.items():
        w = w / STORED.get(c, 1.0)
        row[c] += w * SIGMA
        row[ZERO] -= w * SIGMA
    return row


def blocks(model) -> torch.nn.ModuleList:
    """The transformer blocks of a transformers >= 5.9 model."""
    return model.layers


def reset(model, layer_scale: float) -> None:
    """Every parameter to a neutral value: identity blocks, unit LayerNorms, no position signal."""
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("layernorm_before.weight") or name.endswith("layernorm_after.weight") or name == "layernorm.weight":
                parameter.fill_(1.0)
            elif "lambda_" in name:
                parameter.fill_(layer_scale)
            else:
                parameter.zero_()
        for name, buffer in model.named_buffers():
            if "position_embeddings" in name:
                buffer.zero_()
        embeddings = model.embeddings
        if getattr(embeddings, "position_embeddings", None) is not None:
            embeddings.position_embeddings.zero_()
        weight = embeddings.patch_embeddings.projection.weight  # [hidden, 3, p, p]
        patch = weight.shape[-1]
        for channel, out in enumerate(CONTENT):
            weight[out, channel] = STORED[out] / patch**2  # mean of the channel over the patch
        half = patch // 2
        sign = torch.ones(patch, patch, dtype=weight.dtype)
        left_right, top_bottom = sign.clone(), sign.clone()
        left_right[:, half:], top_bottom[half:, :] = -1, -1
        for out, pattern in zip(TEXTURE, (left_right, top_bottom, left_right * top_bottom)):
            # luminance (mean of R, G, B) contrast between the two halves: mean(+ part) - mean(- part)
            weight[out] = STORED[out] * pattern / (3 * patch**2 / 2)
        bias = embeddings.patch_embeddings.projection.bias
        bias[ANCHOR_POS], bias[ANCHOR_NEG] = ANCHOR, -ANCHOR
        if getattr(embeddings, "cls_token", None) is not None:
            embeddings.cls_token[..., ANCHOR_POS] = ANCHOR
            embeddings.cls_token[..., ANCHOR_NEG] = -ANCHOR


def write_mlp(block, writer: MLPWriter, scale: float = 1.0) -> None:
    """Install an MLPWriter's units in a block (scale: 1 / layer scale for BEiT)."""
    fc1, fc2 = block.mlp.fc1, block.mlp.fc2
    if len(writer.rows) > fc1.out_features:
        raise ValueError(f"{len(writer.rows)} hidden units do not fit an MLP of width {fc1.out_features}")
    with torch.no_grad():
        fc1.weight.zero_(), fc1.bias.zero_(), fc2.weight.zero_(), fc2.bias.zero_()
        for k, (read, bias, write) in enumerate(writer.rows):
            fc1.weight[k] = _read_row(read).to(fc1.weight)
            fc1.bias[k] = bias
            for c, w in write.items():
                fc2.weight[c, k] = w * scale * STORED.get(c, 1.0)
        for c, w in writer.offset.items():
            fc2.bias[c] = w * scale * STORED.get(c, 1.0)


def write_gather(block, reads: dict[int, dict[int, float]], scale: float = 1.0, focus: dict[int, float] | None = None,
                 heads: tuple[int, ...] = (0,)) -> None:
    """Attention that adds to channel `out` a weighted mean over tokens of a read.

    reads: output channel -> {input channel: weight}, one value dimension per output channel in each of
    `heads`, which share the write equally (the repair head of P7's planted truth). Without `focus` the
    queries are zero, so attention is uniform (the mean over all tokens). With focus {channel: logit},
    every head's score of token j is logit * channel_j: attention concentrates on the tokens where that
    channel is 1 (uniform again when it is 0 everywhere).
    """
    attention = block.attention
    head_dim = attention.head_dim
    with torch.no_grad():
        for proj in (attention.q_proj, attention.k_proj, attention.v_proj, attention.o_proj):
            proj.weight.zero_()
            if proj.bias is not None:
                proj.bias.zero_()
        for head in heads:
            for k, (out, read) in enumerate(sorted(reads.items())):
                attention.v_proj.weight[head * head_dim + k] = _read_row(read).to(attention.v_proj.weight)
                attention.o_proj.weight[out, head * head_dim + k] = scale / len(heads)
        if focus:
            for head in range(attention.num_attention_heads):
                # score = q . k * head_dim**-0.5 with q = (head_dim**0.5, 0, ...) and k = (read, 0, ...).
                attention.q_proj.bias[head * head_dim] = head_dim**0.5
                attention.k_proj.weight[head * head_dim] = _read_row(focus).to(attention.k_proj.weight)


# ---- the planted circuit ----------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """Where each part of the circuit sits and how strong it is (one toy checkpoint).

    Gains are per unit of the true global quantity (missing fraction B, visible objness mean Of,
    mean colour); `install` divides by the share of the gathers accumulated before each reader.
    """

    depth: int
    gathers: tuple[tuple[int, float], ...]  # (block, share of the global means its attention writes)
    onset: int  # MLP writing the generic area response R0 (the depth transition)
    bottleneck: int  # MLP writing the repair R1 from the accumulated global means
    late_attention: int  # attention that reads R1's semantic part from the missing tokens (R2)
    partner: int  # MLP writing a second area response R3
    local: tuple[int, ...] = ()  # early blocks doing per-token (local) processing only
    sat_threshold: float = 0.55  # |channel difference| above which a patch looks like an object
    sat_width: float = 0.9  # saturation excess that counts as full objness
    warm_bonus: float = 0.6  # extra objness of warm-coloured (red / yellow / green over blue) patches
    warm_threshold: float = 0.2
    area_onset: float = 5.0  # R0 = area_onset * B
    area: float = 5.5  # R1 area part = area * B
    semantic: float = 10.0  # R1 semantic part = semantic * (objness_typical - Of)
    objness_typical: float = 0.2
    semantic_cap: float | None = None  # if set, the semantic part is semantic * relu(cap - Of): size-blind
    colour: float = 0.0  # R1 colour part = colour * mean colour
    broadcast: float = 0.8  # R2 = broadcast * (R1 semantic part, averaged over the missing tokens)
    focus: float = 12.0  # attention logit of a missing token in the late attention
    partner_gain: float = 3.6  # R3 = partner_gain * B
    masked_repair: bool = False  # R1 written only into missing tokens (the repair is carried by masked tokens)
    layer_scale: float = 1.0  # BEiT lambda_1 / lambda_2 (writes are divided by it)
    relay: tuple[int, float] | None = None  # (block, gain): attention re-reading the accumulated global means
    repair_heads: tuple[int, ...] = (1,)  # heads of the late attention that write R2, in equal shares (P7's truth)

    def share_before(self, block: int) -> float:
        """Share of the global means accumulated in the stream when block `block`'s MLP reads it."""
        return sum(share for index, share in self.gathers if index <= block)


def install(model, family: str, plan: Plan) -> None:
    """Overwrite every parameter of `model` so that it computes `plan`'s circuit."""
    reset(model, plan.layer_scale)
    layers = blocks(model)
    if len(layers) != plan.depth:
        raise ValueError(f"model has {len(layers)} blocks, plan wants {plan.depth}")
    scale = 1.0 / plan.layer_scale
    mlps: dict[int, MLPWriter] = {}

    def mlp(index: int) -> MLPWriter:
        return mlps.setdefault(index, MLPWriter())

    def per_share(block: int) -> float:
        share = plan.share_before(block)
        if share <= 0:
            raise ValueError(f"block {block} reads global means before any gather wrote them")
        return 1.0 / share

    # Block 0: saturation excess (sum over channel pairs of relu(|difference| - t)) and |texture|.
    for a in CONTENT:
        for b in CONTENT:
            if a != b:
                mlp(0).relu({a: 1.0, b: -1.0}, plan.sat_threshold, {O_RAW: 1.0})
    # Missing-patch detector: a masked patch (black or mean-grey) is perfectly flat. Block 0 sums
    # |texture| (sharp units, so that contrasts of 0.003 are resolved); block 1 thresholds it.
    for t in TEXTURE:
        for sign in (1.0, -1.0):
            mlp(0).unit({t: sign * TEX_LAM}, 0.0, {S_RAW: 1.0 / TEX_LAM})
    if plan.warm_bonus:
        for warm in (CONTENT[0], CONTENT[1]):
            mlp(0).relu({warm: 1.0, CONTENT[2]: -1.0}, plan.warm_threshold, {W_RAW: 1.0})
    mlp(1).relu({S_RAW: -1.0 / FLAT}, -1.0, {BLK: 1.0})  # BLK = relu(1 - S / FLAT)
    # Block 1: objness = clamp(saturation excess / width, 0, 1) + bonus * clamp(warm excess / width, 0, 1).
    mlp(1).relu({O_RAW: 1.0 / plan.sat_width}, 0.0, {OBJ: 1.0})
    mlp(1).relu({O_RAW: 1.0 / plan.sat_width}, 1.0, {OBJ: -1.0})
    if plan.warm_bonus:
        mlp(1).relu({W_RAW: 1.0 / plan.sat_width}, 0.0, {OBJ: plan.warm_bonus})
        mlp(1).relu({W_RAW: 1.0 / plan.sat_width}, 1.0, {OBJ: -plan.warm_bonus})
    # Early local processing: per-token features of the content (moves masked tokens only).
    for k, index in enumerate(plan.local):
        mlp(index).relu({CONTENT[k % 3]: -1.0}, 0.5, {LOCAL[0]: 0.6})
    # Gathers: uniform attention adds share * mean over tokens of (missing, objness, colour).
    for index, share in plan.gathers:
        reads = {G_BLK: {BLK: share}, G_OBJ: {OBJ: share}}
        reads |= {g: {c: share} for g, c in zip(G_COL, CONTENT)}
        write_gather(layers[index], reads, scale)
    if plan.relay:  # value_relay: every token's copy of the global means, averaged and added again (x gain)
        index, gain = plan.relay
        write_gather(layers[index], {G_BLK: {G_BLK: gain}, G_OBJ: {G_OBJ: gain}}, scale)
    # Onset: generic area response.
    mlp(plan.onset).linear({G_BLK: plan.area_onset * per_share(plan.onset)}, _unit(R0))
    # Bottleneck: the repair, written into every token (or only missing ones for masked_repair).
    k = per_share(plan.bottleneck)
    bott = mlp(plan.bottleneck)
    if plan.masked_repair:
        # Gate by the token's own missing-patch detector: relu(x + g (BLK - 1/2)) - relu(g (BLK - 1/2))
        # is x on missing tokens (BLK ~ 1) and 0 on the others (BLK = 0), for |x| < g / 2.
        g = 40.0
        gate = {BLK: g}
        for read, offset, write in (({G_BLK: plan.area * k}, 0.0, _unit(R1_AREA)),
                                    ({G_OBJ: -plan.semantic * k}, plan.semantic * plan.objness_typical, _unit(R1_SEM))):
            bott.relu({**read, **gate}, g / 2 - offset, write)
            bott.relu(gate, g / 2, {c: -w for c, w in write.items()})
    elif plan.semantic_cap is not None:
        # "Is (almost) no object visible?": the same response whatever the size of the hidden object.
        bott.linear({G_BLK: plan.area * k}, _unit(R1_AREA))
        bott.relu({G_OBJ: -plan.semantic * k}, -plan.semantic * plan.semantic_cap, _unit(R1_SEM))
    else:
        bott.linear({G_BLK: plan.area * k}, _unit(R1_AREA))
        bott.linear({G_OBJ: -plan.semantic * k}, _unit(R1_SEM))
        bott.offset |= {c: w * plan.semantic * plan.objness_typical for c, w in _unit(R1_SEM).items()}
    if plan.colour:
        for g, r in zip(G_COL, R1_COL):
            bott.linear({g: plan.colour * k}, {r: 1.0})
    # Late attention: reads R1's semantic part from the missing tokens (uniform when none is missing).
    sem = _unit(R1_SEM)
    reads = {r: {c: plan.broadcast * w * u for c, w in sem.items()} for r, u in _unit(R2).items()}
    write_gather(layers[plan.late_attention], reads, scale, focus={BLK: plan.focus}, heads=plan.repair_heads)
    # MLP partner: a second area response, written half along the semantic direction (so that the
    # predictor proxy, which only sees directions that vary on clean images, sees it too).
    partner = {c: w / 2**0.5 for c, w in (_unit(R3) | _unit(R1_SEM)).items()}
    mlp(plan.partner).linear({G_BLK: plan.partner_gain * per_share(plan.partner)}, partner)
    for index, writer in mlps.items():
        write_mlp(layers[index], writer, scale)
