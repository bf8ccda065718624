"""The Comodo method end to end on fake windows, the queue seeding, and the SVM evaluation protocol."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from imuhar.core import NODE_INDEX, InvalidParameterError, NotFittedError, ShapeMismatchError, SplitLeakageError
from imuhar.methods import Method
from imuhar.methods.comodo import (
    Comodo,
    PrecomputedTeacher,
    build_student,
    distill,
    svm_protocol,
    top_k_accuracy,
    train_supervised,
)
from imuhar.testing import make_windows

WRIST = NODE_INDEX["right_wrist"]


def test_top_k_accuracy_by_hand():
    scores = np.array([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4], [0.2, 0.3, 0.5]])
    classes = np.array([4, 5, 6])
    y = np.array([5, 6, 9])  # right, second choice, class never seen in training
    assert top_k_accuracy(scores, classes, y, 1) == pytest.approx(1 / 3)
    assert top_k_accuracy(scores, classes, y, 2) == pytest.approx(2 / 3)
    assert top_k_accuracy(scores, classes, y, 5) == pytest.approx(2 / 3)


def test_svm_protocol_separates_clusters_and_groups_folds_by_subject(rng):
    centers = rng.normal(size=(6, 10)) * 4
    y_tr, y_te = np.repeat(np.arange(6), 20), np.repeat(np.arange(6), 10)
    x_tr = centers[y_tr] + rng.normal(size=(120, 10))
    x_te = centers[y_te] + rng.normal(size=(60, 10))
    subj = np.array([f"s{i % 4}" for i in range(120)])
    res = svm_protocol(x_tr, y_tr, subj, x_te, y_te, test_subjects=np.full(60, "t"))
    assert res.top1 == pytest.approx(100.0) and res.top5 == pytest.approx(100.0)
    assert res.n_folds == 4 and res.best_C in (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4)
    # random embeddings stay near chance (1/6), and top-k grows with k
    noise = svm_protocol(rng.normal(size=(120, 10)), y_tr, subj, rng.normal(size=(60, 10)), y_te)
    assert noise.top1 < 45 and noise.top1 <= noise.top3 <= noise.top5
    with pytest.raises(SplitLeakageError):
        svm_protocol(x_tr, y_tr, subj, x_te, y_te, test_subjects=np.full(60, "s1"))
    with pytest.raises(ShapeMismatchError):
        svm_protocol(x_tr, y_tr, subj, x_te[:, :3], y_te)


def test_distill_holds_the_queue_clips_out_of_epoch_zero(monkeypatch):
    train = make_windows(n_windows=30, n_subjects=3, seed=4)
    student = build_student("cnn", n_nodes=22, out_dim=6, encoder_params={"widths": (4,), "kernel_size": 3,
                                                                         "embed_dim": 8}, head_hidden_dim=8)
    z = np.random.default_rng(0).normal(size=(30, 6)).astype(np.float32)
    seen: list[np.ndarray] = []
    forward = type(student).forward

    def spy(self, x, mask=None):
        seen.append(x[:, WRIST, 0, :5].detach().numpy().copy())
        return forward(self, x, mask)

    monkeypatch.setattr(type(student), "forward", spy)
    hist = distill(student, train.x, train.node_mask, z, queue_size=10, epochs=2, batch_size=8, verbose=False)
    assert len(hist.queue_indices) == 10 and len(np.unique(hist.queue_indices)) == 10
    # epoch 0: the 20 non-queue clips in batches 8, 8, 4; epoch 1: all 30 clips, 8, 8, 8, 6
    assert [len(s) for s in seen] == [8, 8, 4, 8, 8, 8, 6] and hist.n_steps == 7
    rows = train.x[:, WRIST, 0, :5]
    first = np.concatenate(seen[:3])
    queued = rows[hist.queue_indices]
    assert len(np.unique(rows, axis=0)) == 30  # every clip identifiable by its first samples
    assert not any((np.abs(queued - r).sum(1) == 0).any() for r in first)
    assert sum((np.abs(rows - r).sum(1) == 0).any() for r in np.concatenate(seen[3:])) == 30
    assert len(hist.epoch_loss) == 2 and all(np.isfinite(hist.epoch_loss))
    with pytest.raises(InvalidParameterError, match="queue_size"):
        distill(student, train.x, train.node_mask, z, queue_size=30, epochs=1, batch_size=8, verbose=False)


def test_comodo_is_a_method_and_its_teacher_signal_is_learnt():
    """A student trained with a teacher that knows the classes separates them better than an untrained one."""
    train = make_windows(n_windows=96, n_subjects=4, n_classes=4, seed=5, present=("right_wrist",))
    test = make_windows(n_windows=48, n_subjects=2, n_classes=4, seed=6, present=("right_wrist",))
    test.subjects = np.array([f"t{i % 2}" for i in range(48)])
    # a privileged teacher: one direction per class plus noise (what a richer modality would see)
    rng = np.random.default_rng(0)
    z = np.eye(16)[train.labels] + 0.2 * rng.normal(size=(96, 16))
    params = dict(
        teacher=PrecomputedTeacher(z),
        encoder="cnn",
        encoder_params={"widths": (16,), "kernel_size": 5, "embed_dim": 16},
        queue_size=32,
        epochs=8,
        batch_size=16,
        lr=3e-3,
        head_hidden_dim=32,
        svm_c_grid=(1.0, 100.0),
    )
    model = Comodo(**params).fit(train, verbose=False)
    assert isinstance(model, Method) and model.name == "comodo"
    assert model.history_.epoch_loss[-1] < model.history_.epoch_loss[0]
    proba = model.predict_proba(test)
    assert proba.shape == (48, 4) and np.allclose(proba.sum(1), 1.0)
    res = model.evaluate(train, test)
    assert res.top1 >= 90.0
    with pytest.raises(SplitLeakageError):
        model.evaluate(train, train)
    with pytest.raises(ShapeMismatchError, match="select_nodes"):
        model.embed(train.select_nodes(["right_wrist"]))
    with pytest.raises(NotFittedError):
        Comodo(**params).embed(test)
    with pytest.raises(InvalidParameterError, match="objective"):
        Comodo(**{**params, "objective": "kl"}).fit(train, verbose=False)


def test_supervised_baseline_trains_the_backbone():
    train = make_windows(n_windows=40, n_subjects=4, n_classes=3, seed=7)
    student = build_student("cnn", n_nodes=22, out_dim=4, encoder_params={"widths": (8,), "kernel_size": 3,
                                                                         "embed_dim": 8}, head_hidden_dim=8)
    before = [p.detach().clone() for p in student.backbone.parameters()]
    losses = train_supervised(student.backbone, train.x, train.node_mask, train.labels, n_classes=3, epochs=6,
                              batch_size=8, lr=3e-3, verbose=False)
    assert losses[-1] < losses[0]
    assert any(not torch.equal(a, b) for a, b in zip(before, student.backbone.parameters()))


def test_registry_test_params_fit_on_fake_windows():
    train = make_windows(n_windows=24, n_subjects=3, seed=8)
    model = Comodo(**Comodo._test_params()).fit(train, verbose=False)
    assert model.embed(train).shape == (24, 16)
    assert model.predict(train).shape == (24,)


def test_batchnorm_recalibration_of_the_untrained_student(rng):
    from imuhar.methods.comodo import recalibrate_batchnorm

    student = build_student("cnn", n_nodes=1, out_dim=4, encoder_params={"widths": (4,), "kernel_size": 3,
                                                                        "embed_dim": 8}, head_hidden_dim=8)  # fmt: skip
    x = rng.normal(size=(20, 1, 6, 32)).astype(np.float32)
    x[:, 0, 2] += 9.8  # gravity on acc z
    mask = np.ones((20, 1), bool)
    before = [p.detach().clone() for p in student.backbone.parameters()]
    n = recalibrate_batchnorm(student.backbone, x, mask, batch_size=64)
    assert n >= 2
    norm = student.backbone.input_norm
    np.testing.assert_allclose(norm.running_mean.numpy(), x.mean(axis=(0, 1, 3)), atol=1e-4)
    assert norm.momentum == pytest.approx(0.1)  # restored
    assert all(torch.equal(a, b) for a, b in zip(before, student.backbone.parameters()))  # no parameter moved
    # Comodo(objective="none", calibrate_batchnorm=True) is that student
    train = make_windows(n_windows=24, n_subjects=3, seed=9)
    params = {**Comodo._test_params(), "objective": "none", "seed": 3, "calibrate_batchnorm": True}
    model = Comodo(**params).fit(train, verbose=False)
    ref = build_student("cnn", n_nodes=22, out_dim=16, encoder_params=params["encoder_params"], head_hidden_dim=32,
                        seed=3).backbone  # fmt: skip
    recalibrate_batchnorm(ref, train.x, train.node_mask)
    ref.eval()
    with torch.no_grad():
        expected = ref(torch.from_numpy(train.x), torch.from_numpy(train.node_mask)).numpy()
    np.testing.assert_allclose(model.embed(train), expected, rtol=1e-5, atol=1e-5)
    assert model.history_ is None


def test_distill_pairs_from_raw_arrays():
    """The few-lines path: (n, 6, T) IMU arrays + row-aligned teacher embeddings -> a fitted student."""
    from imuhar.methods.comodo import distill_pairs, imu_windows

    src = make_windows(n_windows=48, n_subjects=3, n_classes=3, seed=9, present=("right_wrist",))
    imu = src.x[:, WRIST]  # (48, 6, T)
    z = np.eye(8)[src.labels] + 0.1 * np.random.default_rng(1).normal(size=(48, 8))
    small = dict(encoder_params={"widths": (8,), "kernel_size": 3, "embed_dim": 8}, epochs=2, batch_size=8,
                 head_hidden_dim=16, svm_c_grid=(1.0,))  # fmt: skip
    model = distill_pairs(imu, z, rate_hz=src.rate_hz, verbose=False, **small)
    assert model.queue_size == 24 and model.nodes_ == ("right_wrist",) and model.probe_ is None
    assert len(model.history_.queue_indices) == 24
    emb = model.embed(imu)
    assert emb.shape == (48, 8) and np.array_equal(emb, model.embed(imu_windows(imu, rate_hz=src.rate_hz)))
    labelled = distill_pairs(imu, z, rate_hz=src.rate_hz, labels=src.labels, subjects=src.subjects, verbose=False,
                             queue_size=8, **small)  # fmt: skip
    proba = labelled.predict_proba(imu[:5])
    assert proba.shape == (5, 3) and np.allclose(proba.sum(1), 1.0)
    with pytest.raises(ShapeMismatchError, match="one row per IMU window"):
        distill_pairs(imu, z[:10], rate_hz=50.0, verbose=False, **small)
    with pytest.raises(ShapeMismatchError, match="placement"):
        imu_windows(src.x[:, :2], rate_hz=50.0, placement="right_wrist")
    with pytest.raises(InvalidParameterError, match="teacher"):
        distill_pairs(imu, z, rate_hz=50.0, teacher=PrecomputedTeacher(z), verbose=False)


def test_student_augmentation_sees_every_batch_and_leaves_batch_order_alone():
    """The augmentation perturbs only the student's input: the teacher targets and the batch order are untouched."""
    train = make_windows(n_windows=30, n_subjects=3, seed=4)
    z = np.random.default_rng(0).normal(size=(30, 6)).astype(np.float32)
    kw = dict(queue_size=10, epochs=2, batch_size=8, verbose=False, seed=3)

    def student():
        return build_student("cnn", n_nodes=22, out_dim=6, head_hidden_dim=8, seed=1,
                             encoder_params={"widths": (4,), "kernel_size": 3, "embed_dim": 8})  # fmt: skip

    calls: list[tuple] = []

    def identity(x, rng=None):
        assert isinstance(rng, np.random.Generator)
        calls.append(x.shape)
        return x

    plain, same = student(), student()
    distill(plain, train.x, train.node_mask, z, **kw)
    distill(same, train.x, train.node_mask, z, augmentation=identity, **kw)
    t = train.x.shape[-1]
    assert calls == [(8, 22, 6, t)] * 2 + [(4, 22, 6, t)] + [(8, 22, 6, t)] * 3 + [(6, 22, 6, t)]
    for a, b in zip(plain.parameters(), same.parameters()):  # identity augmentation == no augmentation
        assert torch.equal(a, b)
    noisy = student()
    distill(noisy, train.x, train.node_mask, z, augmentation=lambda x, rng: x + rng.normal(size=x.shape), **kw)
    assert any(not torch.equal(a, b) for a, b in zip(plain.parameters(), noisy.parameters()))
    # a supervised student gets the same hook
    seen: list[int] = []
    train_supervised(student().backbone, train.x, train.node_mask, train.labels % 3, n_classes=3, epochs=1,
                     batch_size=8, verbose=False, augmentation=lambda x, rng: seen.append(len(x)) or x)  # fmt: skip
    assert sum(seen) == 30
    with pytest.raises(ShapeMismatchError, match="augmentation must keep"):
        distill(student(), train.x, train.node_mask, z, augmentation=lambda x, rng: x[:, :, :3], **kw)
    with pytest.raises(InvalidParameterError, match="augmentation must be callable"):  # e.g. a string from a CLI
        distill(student(), train.x, train.node_mask, z, augmentation="scale", **kw)


def test_one_view_per_sample_and_epoch(monkeypatch):
    """With views_of, an epoch holds one view of every sample; the queue starts from views of distinct samples."""
    train = make_windows(n_windows=30, n_subjects=3, seed=4)
    z = np.random.default_rng(0).normal(size=(30, 6)).astype(np.float32)
    trial = np.repeat(np.arange(10), 3)  # 10 samples, 3 views each
    rows = train.x[:, WRIST, 0, :5]

    def student():
        return build_student("cnn", n_nodes=22, out_dim=6, head_hidden_dim=8, seed=1,
                             encoder_params={"widths": (4,), "kernel_size": 3, "embed_dim": 8})  # fmt: skip

    seen: list[np.ndarray] = []
    net = student()
    forward = type(net).forward

    def spy(self, x, mask=None):
        seen.append(x[:, WRIST, 0, :5].detach().numpy().copy())
        return forward(self, x, mask)

    monkeypatch.setattr(type(net), "forward", spy)
    hist = distill(net, train.x, train.node_mask, z, queue_size=4, epochs=3, batch_size=4, verbose=False,
                   views_of=trial)  # fmt: skip
    monkeypatch.undo()
    queued = trial[hist.queue_indices]
    assert len(np.unique(queued)) == 4 and np.array_equal(hist.queue_indices % 3, np.zeros(4))
    row_of = lambda v: int(np.flatnonzero((np.abs(rows - v).sum(1) == 0))[0])  # noqa: E731
    sizes = [len(s) for s in seen]
    assert sizes == [4, 2, 4, 4, 2, 4, 4, 2] and hist.n_steps == 8  # 6, 10, 10 samples in batches of 4
    epochs = [np.concatenate(seen[:2]), np.concatenate(seen[2:5]), np.concatenate(seen[5:])]
    first = [trial[row_of(v)] for v in epochs[0]]
    assert sorted(first) == sorted(set(range(10)) - set(queued))  # each non-queue sample once in epoch 0
    views = []
    for e in epochs[1:]:
        samples = [trial[row_of(v)] for v in e]
        assert sorted(samples) == list(range(10))  # every sample exactly once per epoch
        views.append([row_of(v) for v in e])
    assert set(views[0]) != set(views[1])  # a fresh draw of views each epoch
    with pytest.raises(InvalidParameterError, match="n_samples"):
        distill(student(), train.x, train.node_mask, z, queue_size=10, epochs=1, batch_size=4, verbose=False,
                views_of=trial)  # fmt: skip
    with pytest.raises(ShapeMismatchError, match="views_of"):
        distill(student(), train.x, train.node_mask, z, queue_size=4, epochs=1, verbose=False, views_of=trial[:5])
    counts: list[int] = []
    train_supervised(student().backbone, train.x, train.node_mask, train.labels % 3, n_classes=3, epochs=2,
                     batch_size=4, verbose=False, views_of=trial,
                     augmentation=lambda x, rng: counts.append(len(x)) or x)  # fmt: skip
    assert sum(counts) == 20  # 10 samples per epoch


def test_comodo_passes_augmentation_and_views_to_the_distillation():
    from imuhar.augment import Compose, Jitter, Scaling

    train = make_windows(n_windows=24, n_subjects=3, seed=8)
    calls: list[int] = []
    aug = Compose([Scaling(sigma=0.1), Jitter(sigma=0.05)])

    def counted(x, rng=None):
        calls.append(len(x))
        return aug(x, rng=rng)

    model = Comodo(**{**Comodo._test_params(), "augmentation": counted, "epochs": 2})
    model.fit(train, views_of=np.repeat(np.arange(12), 2), verbose=False)
    # 12 samples, 8 of them seed the queue: epoch 0 trains 4, epoch 1 all 12 (batches of 8)
    assert calls == [4, 8, 4] and model.history_.n_steps == 3
    assert model.embed(train).shape == (24, 16)


def test_teacher_neighbourhoods_by_hand():
    """Four clips: a and b (subject 1) are near-copies, c and d (subject 2) share a's class."""
    from imuhar.methods.comodo import teacher_neighbourhoods

    z = np.array([[1.0, 0.0], [1.0, 0.1], [0.6, 0.8], [0.0, 1.0]])
    labels, subjects = np.array([0, 1, 0, 1]), np.array(["1", "1", "2", "2"])
    out = teacher_neighbourhoods(z, labels, subjects, temperature=0.1)
    u = z / np.linalg.norm(z, axis=1, keepdims=True)
    sim = u @ u.T
    same_subject, same_class, cross_class = [], [], []
    for i in range(4):
        others = [j for j in range(4) if j != i]
        w = np.exp(sim[i, others] / 0.1)
        w /= w.sum()
        same_subject.append(sum(wj for wj, j in zip(w, others) if subjects[j] == subjects[i]))
        same_class.append(sum(wj for wj, j in zip(w, others) if labels[j] == labels[i]))
        cross_class.append(sum(wj for wj, j in zip(w, others) if labels[j] == labels[i] and subjects[j] != subjects[i]))
    assert out["mass_same_subject"] == round(100 * np.mean(same_subject), 1)
    assert out["mass_same_class"] == round(100 * np.mean(same_class), 1)
    assert out["mass_same_class_other_subject"] == round(100 * np.mean(cross_class), 1)
    assert out["mass_same_subject_chance"] == round(100 / 3, 1)  # 1 of the 3 other clips
    assert out["nearest_is_same_subject"] == 100.0  # a<->b, c<->d are mutual nearest neighbours
    flat = teacher_neighbourhoods(z, labels, subjects, temperature=100.0)  # a very soft teacher: near chance
    assert abs(flat["mass_same_subject"] - 100 / 3) < 1.0
    with pytest.raises(ShapeMismatchError):
        teacher_neighbourhoods(z, labels[:3], subjects)
    with pytest.raises(InvalidParameterError, match="temperature"):
        teacher_neighbourhoods(z, labels, subjects, temperature=0.0)
