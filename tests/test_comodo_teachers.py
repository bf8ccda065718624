"""COMODO teachers: frozen modules, cached/precomputed embeddings and a tiny VideoMAE built from a config."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from imuhar.core import DataNotFoundError, InvalidParameterError, ShapeMismatchError
from imuhar.methods.comodo import (
    Comodo,
    ModuleTeacher,
    PrecomputedTeacher,
    VideoTeacher,
    comodo_loss,
    load_teacher_embeddings,
    random_projection_mlp,
    save_teacher_embeddings,
)
from imuhar.testing import make_windows


class _PoolNet(nn.Module):
    """A frozen 'skeleton encoder' stand-in: linear map of the time-averaged signal."""

    def __init__(self, n_in: int, n_out: int = 10) -> None:
        super().__init__()
        self.lin = nn.Linear(n_in, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(x.float().mean(dim=-1))


def _teacher(seed: int = 0, **kw) -> ModuleTeacher:
    torch.manual_seed(seed)
    return ModuleTeacher(_PoolNet(6), embed_dim=8, hidden_dim=16, **kw)


def test_module_teacher_is_frozen_deterministic_and_unit_norm(rng):
    data = rng.normal(size=(20, 6, 30)).astype(np.float32)
    teacher = _teacher()
    before = {k: v.clone() for k, v in teacher.module.state_dict().items()}
    z = teacher.embed(data, batch_size=7, verbose=False)
    assert z.shape == (20, 8) and z.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, rtol=1e-5)
    assert not teacher.module.training
    assert all(not p.requires_grad for p in teacher.module.parameters())
    # batch size does not change the result (the random MLP's BatchNorm is in eval mode)
    np.testing.assert_allclose(_teacher().embed(data, batch_size=20, verbose=False), z, rtol=1e-5, atol=1e-6)
    # the random projection is seeded: the same seed rebuilds it, another seed differs
    other = ModuleTeacher(teacher.module, embed_dim=8, hidden_dim=16, seed=7).embed(data, verbose=False)
    assert not np.allclose(other, z, atol=1e-3)
    assert all(torch.equal(before[k], v) for k, v in teacher.module.state_dict().items())


def test_random_projection_leaves_global_rng_alone():
    torch.manual_seed(3)
    a = torch.rand(2)
    torch.manual_seed(3)
    mlp = random_projection_mlp(5, hidden_dim=7, out_dim=3, seed=11)
    b = torch.rand(2)
    assert torch.equal(a, b)
    assert not mlp.training and all(not p.requires_grad for p in mlp.parameters())
    assert torch.equal(mlp[0].weight, random_projection_mlp(5, hidden_dim=7, out_dim=3, seed=11)[0].weight)


def test_embeddings_are_computed_once_and_cached_on_disk(rng, tmp_path, monkeypatch):
    data = rng.normal(size=(12, 6, 10)).astype(np.float32)
    cache = tmp_path / "teacher.safetensors"
    teacher = _teacher()
    calls = []
    original = type(teacher)._embed

    def counting(self, *a, **k):
        calls.append(1)
        return original(self, *a, **k)

    monkeypatch.setattr(ModuleTeacher, "_embed", counting)
    z1 = teacher.embed(data, verbose=False, cache_path=cache)
    z2 = teacher.embed(data, verbose=False, cache_path=cache)  # in-memory memo
    assert len(calls) == 1 and cache.is_file()
    z3 = _teacher().embed(data, verbose=False, cache_path=cache)  # a fresh, identical teacher reads the file
    assert len(calls) == 1
    np.testing.assert_array_equal(z1, z2)
    np.testing.assert_array_equal(z1, z3)
    # other data (or another teacher) does not hit the stale cache
    _teacher().embed(data[:5], verbose=False, cache_path=cache)
    assert len(calls) == 2
    _, meta = load_teacher_embeddings(cache)
    assert meta["kind"] == "ModuleTeacher" and "teacher" in meta and "data" in meta


def test_cached_and_module_teacher_give_the_same_loss_and_training(tmp_path):
    train = make_windows(n_windows=40, n_subjects=4, seed=2)
    module_teacher = ModuleTeacher(_PoolNet(22 * 6).requires_grad_(True), embed_dim=8, hidden_dim=16)
    flat = torch.from_numpy(train.x.reshape(40, 22 * 6, -1))
    z = module_teacher.embed(flat, verbose=False)
    for name in ("t.npy", "t.safetensors"):
        save_teacher_embeddings(tmp_path / name, z)
        cached = PrecomputedTeacher(tmp_path / name)
        zc = cached.embed(None, verbose=False)
        np.testing.assert_allclose(zc, z, rtol=1e-6)
        student = torch.randn(40, 8, generator=torch.Generator().manual_seed(1))
        queue = torch.from_numpy(z[:10])
        a = comodo_loss(student, torch.from_numpy(z), queue).item()
        b = comodo_loss(student, torch.from_numpy(zc), queue).item()
        assert a == pytest.approx(b, rel=1e-6)
        assert np.allclose(cached.embed(np.array([3, 1]), verbose=False), z[[3, 1]])
    # a whole distillation run is identical with either teacher
    params = dict(
        encoder="cnn",
        encoder_params={"widths": (8,), "kernel_size": 3, "embed_dim": 12},
        queue_size=8,
        epochs=2,
        batch_size=8,
        head_hidden_dim=16,
        seed=5,
        svm_c_grid=(1.0,),
    )
    m1 = Comodo(teacher=module_teacher, **params).fit(train, teacher_inputs=flat, verbose=False)
    m2 = Comodo(teacher=PrecomputedTeacher(tmp_path / "t.npy"), **params).fit(train, verbose=False)
    assert m1.history_.epoch_loss == pytest.approx(m2.history_.epoch_loss, rel=1e-5)
    np.testing.assert_array_equal(m1.embed(train), m2.embed(train))
    # the teacher module never received a gradient, although its parameters were created trainable
    assert all(p.grad is None and not p.requires_grad for p in module_teacher.module.parameters())


def test_precomputed_teacher_rejects_bad_tables_and_rows(tmp_path):
    with pytest.raises(ShapeMismatchError):
        PrecomputedTeacher(np.zeros(5))
    with pytest.raises(DataNotFoundError):
        PrecomputedTeacher(tmp_path / "missing.npy")
    teacher = PrecomputedTeacher(np.eye(4))
    with pytest.raises(InvalidParameterError, match="row ids"):
        teacher.embed(np.array([0, 9]), verbose=False)
    with pytest.raises(InvalidParameterError, match="integer"):
        teacher.embed(np.array([0.5]), verbose=False)
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(Exception, match="pickle"):
        PrecomputedTeacher(tmp_path / "obj.npy")
    with pytest.raises(InvalidParameterError, match="torch.nn.Module"):
        ModuleTeacher(lambda x: x)


def _tiny_videomae_config():
    from transformers import VideoMAEConfig

    return VideoMAEConfig(
        image_size=32,
        patch_size=16,
        num_frames=4,
        tubelet_size=2,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=48,
    )


def test_tiny_videomae_teacher_from_config_on_synthetic_clips(tmp_path):
    gen = np.random.default_rng(0)
    # 6 synthetic clips of 8 frames, 40 x 40, uint8: a bright square moving left->right or right->left
    clips = np.zeros((6, 8, 3, 40, 40), dtype=np.uint8)
    for i in range(6):
        for f in range(8):
            c = 4 + 4 * f if i % 2 == 0 else 32 - 4 * f
            clips[i, f, :, 15:25, c : c + 6] = 255
        clips[i] = np.clip(clips[i] + gen.integers(0, 20, clips[i].shape), 0, 255)
    teacher = VideoTeacher.from_config(_tiny_videomae_config(), init_seed=0, embed_dim=16, hidden_dim=32)
    pixels = teacher.preprocess(torch.from_numpy(clips))
    assert tuple(pixels.shape) == (6, 4, 3, 32, 32)  # frames subsampled, frames resized
    z = teacher.embed(clips, batch_size=4, verbose=False)
    assert z.shape == (6, 16)
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, rtol=1e-5)
    assert np.abs(z[0] - z[1]).max() > 1e-4  # different clips, different embeddings
    assert all(not p.requires_grad for p in teacher.model.parameters())
    # float clips in [0, 1] are the same clips as uint8 / 255
    np.testing.assert_allclose(teacher.embed(clips.astype(np.float32) / 255.0, verbose=False), z, atol=1e-5)
    # a local checkpoint folder (save_pretrained) loads offline and gives the same embeddings
    teacher.model.save_pretrained(tmp_path / "tiny-videomae")
    loaded = VideoTeacher.from_pretrained(tmp_path / "tiny-videomae", embed_dim=16, hidden_dim=32)
    np.testing.assert_allclose(loaded.embed(clips, verbose=False), z, rtol=1e-4, atol=1e-5)
    with pytest.raises(DataNotFoundError, match="config.json"):
        VideoTeacher.from_pretrained(tmp_path / "nowhere")
    with pytest.raises(ShapeMismatchError, match="n_frames, 3"):
        teacher.embed(clips.transpose(0, 1, 3, 4, 2), verbose=False)


def test_video_teacher_drives_a_comodo_student():
    clips = np.random.default_rng(1).integers(0, 255, size=(24, 4, 3, 32, 32), dtype=np.uint8)
    teacher = VideoTeacher.from_config(_tiny_videomae_config(), embed_dim=16, hidden_dim=32)
    train = make_windows(n_windows=24, n_subjects=4, seed=3)
    model = Comodo(
        teacher=teacher,
        encoder="cnn",
        encoder_params={"widths": (8,), "kernel_size": 3, "embed_dim": 12},
        queue_size=8,
        epochs=2,
        batch_size=8,
        head_hidden_dim=16,
    ).fit(train, teacher_inputs=clips, verbose=False)
    assert model.history_.n_steps == 2 + 3  # epoch 0 without the 8 queue clips, epoch 1 with all 24
    assert model.embed(train).shape == (24, 12)
    assert all(p.grad is None for p in teacher.model.parameters())


def test_segment_statistics_by_hand():
    from imuhar.core import NotFittedError
    from imuhar.methods.comodo import SegmentStatistics

    x = torch.zeros(2, 2, 1, 4)
    x[0, 0, 0] = torch.tensor([1.0, 3.0, 5.0, 7.0])  # node 0 of window 0
    x[1, 1, 0] = torch.tensor([2.0, 2.0, 2.0, 2.0])
    enc = SegmentStatistics(n_segments=2)
    raw = enc.raw_features(x)
    assert raw.shape == (2, 2 * 1 * (4 + 2))
    # window 0, node 0: mean 4, std sqrt(5), min 1, max 7, segment means 2 and 6
    np.testing.assert_allclose(raw[0, :6].numpy(), [4.0, np.sqrt(5.0), 1.0, 7.0, 2.0, 6.0], rtol=1e-6)
    # an absent node contributes zeros, whatever it holds
    masked = enc.raw_features(x, torch.tensor([[True, True], [False, True]]))
    assert torch.equal(masked[1, :6], torch.zeros(6)) and torch.equal(masked[1, 6:], raw[1, 6:])
    with pytest.raises(NotFittedError):
        enc(x)
    z = enc.fit(x)(x)
    np.testing.assert_allclose(z.mean(0).numpy(), 0.0, atol=1e-6)  # standardized on the fitted windows
    with pytest.raises(ShapeMismatchError, match="divisible"):
        SegmentStatistics(n_segments=3).raw_features(x)
    teacher = ModuleTeacher(enc, projection="identity")
    np.testing.assert_allclose(teacher.embed(x, verbose=False), torch.nn.functional.normalize(z, dim=1).numpy(),
                               rtol=1e-5, atol=1e-6)  # fmt: skip


def test_tiny_timesformer_teacher_from_config():
    from transformers import TimesformerConfig

    config = TimesformerConfig(image_size=32, patch_size=16, num_frames=2, hidden_size=32, num_hidden_layers=1,
                               num_attention_heads=2, intermediate_size=48)  # fmt: skip
    teacher = VideoTeacher.from_config(config, embed_dim=8, hidden_dim=16)
    clips = np.random.default_rng(2).random((3, 5, 3, 32, 32)).astype(np.float32)
    z = teacher.embed(clips, verbose=False)
    assert z.shape == (3, 8) and np.allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)
    with pytest.raises(InvalidParameterError, match="VideoMAEConfig or TimesformerConfig"):
        VideoTeacher.from_config(object())
