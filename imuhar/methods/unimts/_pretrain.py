"""Contrastive IMU-text pretraining on the simulated corpus.

Per sample (drawn afresh every epoch, seeded by ``(seed, epoch, index)`` so a resumed run draws the same):

1. a take, and a 10 s crop of it at 20 Hz (short takes are tiled, as UniMTS does);
2. a random subset of 1-5 of the 22 nodes (the rest masked out);
3. an independent uniform SO(3) rotation per kept node, applied to its acc and gyro together: a model that
   must match text whatever the mounting learns rotation-invariant features;
4. sensor errors from a noise preset (white noise, bias, scale), and a random amplitude scale;
5. one of the take's captions, paraphrased with a random template.

Loss: IMU-to-text InfoNCE over the *distinct* captions of the batch with a learnable temperature. Identical
captions (two takes of "a person walks forward") are one target, not each other's negatives, and captions
of the same take drawn twice never act as negatives of each other.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from torch.nn import functional as F

from ...core import InvalidParameterError, N_NODES
from ._captions import PARAPHRASE_TEMPLATES
from ._corpus import PretrainCorpus
from ._model import PROTOCOL_N_SAMPLES, TextAlignedIMU

__all__ = ["PretrainConfig", "CaptionBank", "PretrainPairs", "caption_infonce", "pretrain"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PretrainConfig:
    """Everything a pretraining run depends on (stored beside the weights)."""

    n_samples: int = PROTOCOL_N_SAMPLES
    min_nodes: int = 1
    max_nodes: int = 5
    rotate: bool = True
    use_gyro: bool = True
    noise: str = "consumer_phone"
    amplitude_jitter: float = 0.1
    samples_per_epoch: int = 4096
    epochs: int = 10
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_steps: int = 50
    encoder: str = "graph"
    encoder_params: dict[str, Any] = field(default_factory=lambda: {"widths": [32, 64, 128], "kernel_size": 9})
    seed: int = 0


class CaptionBank:
    """Every caption variant of the corpus, embedded once by a frozen text encoder.

    Attributes
    ----------
    texts : list of str
        Unique strings.
    embeddings : ndarray, shape (n_texts, dim), float32, unit-norm rows
    variants : list of ndarray of int
        Per take, the indices into ``texts`` of its captions and their paraphrases.
    """

    def __init__(self, corpus: PretrainCorpus, text_encoder, *, paraphrase: bool = True) -> None:
        index: dict[str, int] = {}
        variants = []
        for caps in corpus.captions:
            ids = []
            for cap in caps:
                forms = [cap]
                if paraphrase:
                    for prefix in ("a person ", "someone "):
                        if cap.startswith(prefix):
                            forms += [t.format(x=cap[len(prefix):]) for t in PARAPHRASE_TEMPLATES]
                for form in forms:
                    ids.append(index.setdefault(form, len(index)))
            variants.append(np.array(sorted(set(ids)), dtype=np.int64))
        self.texts = list(index)
        self.variants = variants
        self.embeddings = np.asarray(text_encoder.encode(self.texts), dtype=np.float32)
        self.text_model = getattr(text_encoder, "model_id", str(text_encoder))

    def __len__(self) -> int:
        return len(self.texts)


class PretrainPairs(torch.utils.data.Dataset):
    """(IMU window, caption index) pairs drawn from a corpus; see the module docstring for the recipe.

    Items are dicts: ``x`` (22, 6, n_samples) float32, ``node_mask`` (22,) bool, ``text`` int64, ``take`` int64.
    """

    def __init__(self, corpus: PretrainCorpus, bank: CaptionBank, config: PretrainConfig) -> None:
        if not 1 <= config.min_nodes <= config.max_nodes <= N_NODES:
            raise InvalidParameterError(
                f"need 1 <= min_nodes <= max_nodes <= 22; received {config.min_nodes}, {config.max_nodes}"
            )
        self.corpus, self.bank, self.config = corpus, bank, config
        self.epoch = 0
        self._lengths = corpus.lengths()

    def __len__(self) -> int:
        return self.config.samples_per_epoch

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def draw(self, index: int) -> dict[str, Any]:
        from ._views import sensor_view

        cfg = self.config
        rng = np.random.default_rng([cfg.seed, self.epoch, index])
        take = int(rng.integers(len(self.corpus)))
        acc, gyro = self.corpus.take(take)
        n, length = cfg.n_samples, acc.shape[0]
        if length >= n:
            start = int(rng.integers(length - n + 1))
            sl = np.arange(start, start + n)
        else:  # tile short takes, starting anywhere in the first copy
            sl = (np.arange(n) + int(rng.integers(length))) % length
        k = int(rng.integers(cfg.min_nodes, cfg.max_nodes + 1))
        nodes = np.sort(rng.choice(N_NODES, size=k, replace=False))
        a, g = sensor_view(acc[sl][:, nodes], gyro[sl][:, nodes], self.corpus.rate_hz, rng, noise=cfg.noise,
                           amplitude_jitter=cfg.amplitude_jitter, rotate=cfg.rotate)  # fmt: skip
        x = np.zeros((N_NODES, 6, n), dtype=np.float32)
        x[nodes, 0:3] = a.transpose(1, 2, 0)
        if cfg.use_gyro:
            x[nodes, 3:6] = g.transpose(1, 2, 0)
        mask = np.zeros(N_NODES, dtype=bool)
        mask[nodes] = True
        text = int(rng.choice(self.bank.variants[take]))
        return {"x": x, "node_mask": mask, "text": text, "take": take}

    def __getitem__(self, index: int) -> dict[str, Any]:
        item = self.draw(index)
        return {
            "x": torch.from_numpy(item["x"]),
            "node_mask": torch.from_numpy(item["node_mask"]),
            "text": torch.tensor(item["text"]),
            "take": torch.tensor(item["take"]),
        }


def caption_infonce(imu: torch.Tensor, text_ids: torch.Tensor, takes: torch.Tensor, bank: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """IMU-to-text InfoNCE over the distinct captions of a batch.

    Parameters
    ----------
    imu : Tensor, shape (batch, dim)
        IMU embeddings (normalized here).
    text_ids : Tensor of int, shape (batch,)
        Caption index of each row into ``bank``.
    takes : Tensor of int, shape (batch,)
        Take of each row; other captions of a row's own take are removed from its negatives.
    bank : Tensor, shape (n_texts, dim)
        Caption embeddings.
    scale : Tensor, scalar
        Inverse temperature.

    Returns
    -------
    Tensor, scalar
    """
    uniq, target = torch.unique(text_ids, return_inverse=True)
    logits = scale * F.normalize(imu, dim=-1) @ F.normalize(bank[uniq], dim=-1).T  # (batch, n_unique)
    # column u is "of take t" if some row with take t drew caption u
    drawn_by = F.one_hot(target, len(uniq)).bool()  # (batch, n_unique)
    same_take = takes[:, None] == takes[None, :]  # (batch, batch)
    of_my_take = (same_take.float() @ drawn_by.float()) > 0
    own = F.one_hot(target, len(uniq)).bool()
    logits = logits.masked_fill(of_my_take & ~own, float("-inf"))
    return F.cross_entropy(logits, target)


def pretrain(
    corpus: PretrainCorpus,
    text_encoder,
    config: PretrainConfig = PretrainConfig(),
    *,
    out: str | Path | None = None,
    checkpoint_dir: str | Path | None = None,
    verbose: bool = True,
    on_epoch_end=None,
) -> TextAlignedIMU:
    """Pretrain a text-aligned IMU encoder on ``corpus``.

    Parameters
    ----------
    corpus : PretrainCorpus
    text_encoder : imuhar.text.TextEncoder
        Frozen; embeds every caption variant once.
    config : PretrainConfig
    out : path, optional
        Write the final weights (safetensors + JSON) here.
    checkpoint_dir : path, optional
        Resumable checkpoints (the shared training loop's).
    on_epoch_end : callable, optional
        ``f(epoch, model) -> metrics`` (e.g. a zero-shot score on *training* data); never test data.

    Returns
    -------
    TextAlignedIMU
    """
    from ...models import build_encoder
    from ...training import Trainer, seed_everything

    seed_everything(config.seed)
    bank = CaptionBank(corpus, text_encoder)
    dim = bank.embeddings.shape[1]
    encoder = build_encoder(config.encoder, embed_dim=dim, use_gyro=config.use_gyro, **config.encoder_params)
    model = TextAlignedIMU(encoder, text_model=bank.text_model)
    dataset = PretrainPairs(corpus, bank, config)
    bank_t = torch.from_numpy(bank.embeddings)

    def loss_fn(module, batch):
        emb = module(batch["x"], batch["node_mask"])
        scale = module.temperature()
        loss = caption_infonce(emb, batch["text"], batch["take"], bank_t, scale)
        return loss, {"scale": float(scale.detach())}

    trainer = Trainer(
        epochs=config.epochs,
        batch_size=config.batch_size,
        lr=config.lr,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_steps,
        seed=config.seed,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        config={"pretrain": asdict(config), "corpus": repr(corpus)},
    )
    result = trainer.fit(model, dataset, loss_fn, on_epoch_end=on_epoch_end)
    model.eval()
    if out is not None:
        history = getattr(result, "history", None)
        model.save(
            out,
            config={"pretrain": asdict(config), "corpus": repr(corpus), "corpus_meta": corpus.meta,
                    "n_captions": len(bank)},
            metrics={
                "final_loss": _last_loss(history),
                "samples_per_s": _mean_of(history, "samples_per_s"),
                "history": [{k: v for k, v in row.items()} for row in history or []],
            },
        )
    return model


def _mean_of(history: Sequence[dict] | None, key: str) -> float | None:
    values = [float(r[key]) for r in history or [] if isinstance(r, dict) and r.get(key) is not None]
    return round(sum(values) / len(values), 2) if values else None


def _last_loss(history: Sequence[dict] | None) -> float | None:
    if not history:
        return None
    last = history[-1]
    return float(last.get("loss")) if isinstance(last, dict) and last.get("loss") is not None else None
