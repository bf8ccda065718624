"""FusionActNet: gate range, label-order fusion, stage-2 freezing, and no path from test data to selection."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from imuhar.core import ChannelMismatchError, InvalidParameterError, LabelVocabulary, SplitLeakageError  # noqa: E402
from imuhar.methods import Method, carve_validation_subjects, get_method  # noqa: E402
from imuhar.methods.fusionactnet import (  # noqa: E402
    FusionActNet,
    FusionNetwork,
    ResidualMobileNet,
    ResNetExpert,
    class_groups,
)
from imuhar.methods.fusionactnet import _method as fa_method  # noqa: E402
from imuhar.methods.fusionactnet._train import train_stage  # noqa: E402
from imuhar.testing import make_windows  # noqa: E402

# Interleaved kinds: a fused vector laid out as [static..., dynamic...] would put classes in the wrong columns.
KINDS = ["static", "dynamic", "static", "dynamic"]


def _windows(n=160, seed=0, n_subjects=8, kinds=KINDS):
    w = make_windows(n_windows=n, n_samples=64, n_classes=len(kinds), n_subjects=n_subjects, present=("pelvis",), seed=seed)
    vocab = LabelVocabulary.from_names([f"c{i}" for i in range(len(kinds))], kinds=kinds)
    return w._replace(vocabulary=vocab)


TINY = FusionActNet._test_params()


class _ConstExpert(torch.nn.Module):
    """Logits independent of the input: softmax gives ``probs``."""

    def __init__(self, probs):
        super().__init__()
        self.logits = torch.nn.Parameter(torch.log(torch.tensor(probs, dtype=torch.float32)))

    def forward(self, x):
        return self.logits.expand(x.shape[0], -1)


def test_fusion_network_places_gated_expert_probabilities_in_label_order():
    torch.manual_seed(0)
    static, dynamic = _ConstExpert([0.25, 0.75]), _ConstExpert([0.1, 0.3, 0.6])
    gate = ResidualMobileNet(3, 1, stem_width=4, widths=(4,), units=(1,))
    net = FusionNetwork(6, [4, 0], [5, 1, 3], static, dynamic, gate).eval()
    x = torch.randn(7, 3, 32) * 5
    log_p, g = net(x)
    p = log_p.exp()
    assert torch.all((g > 0) & (g < 1))
    torch.testing.assert_close(p.sum(1), torch.ones(7))
    torch.testing.assert_close(p[:, 4], 0.25 * g)
    torch.testing.assert_close(p[:, 0], 0.75 * g)
    torch.testing.assert_close(p[:, 5], 0.1 * (1 - g))
    torch.testing.assert_close(p[:, 3], 0.6 * (1 - g))
    assert torch.all(p[:, 2] == 0)  # in neither group


def test_fusion_network_with_one_group_needs_no_gate():
    net = FusionNetwork(3, [], [0, 2], None, _ConstExpert([0.5, 0.5]), None)
    log_p, g = net(torch.zeros(2, 1, 8))
    torch.testing.assert_close(log_p.exp(), torch.tensor([[0.5, 0.0, 0.5]] * 2))
    assert torch.all(g == 0)
    with pytest.raises(ValueError):
        FusionNetwork(3, [0], [1], None, None, None)


def test_class_groups_follow_vocabulary_kinds():
    vocab = LabelVocabulary.from_names(["walk", "sit", "sit-to-stand", "stand"], kinds=["dynamic", "static", "transition", "static"])
    labels = np.array([0, 1, 2, 3, 3, -1])
    assert class_groups(vocab, labels) == ([1, 3], [0, 2])
    assert class_groups(vocab, labels, transition_group="static") == ([1, 2, 3], [0])
    assert class_groups(vocab, labels, transition_group="drop") == ([1, 3], [0])
    assert class_groups(vocab, np.array([0, 1])) == ([1], [0])  # absent classes get no expert
    with pytest.raises(InvalidParameterError):
        class_groups(vocab, labels, transition_group="other")


def test_fit_gate_in_unit_interval_and_probabilities_sum_to_one():
    torch.manual_seed(0)
    train = _windows()
    model = FusionActNet(**TINY).fit(train, verbose=False)
    test = _windows(n=40, seed=1)._replace(subjects=np.array(["t"] * 40))
    p = model.predict_proba(test)
    g = model.gate(test)
    assert p.shape == (40, 4) and g.shape == (40,)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-6)
    assert np.all((g > 0) & (g < 1))
    assert model.static_ids_ == [0, 2] and model.dynamic_ids_ == [1, 3]
    # p[static] / g is the static expert's distribution: it sums to 1 over the static classes only
    np.testing.assert_allclose(p[:, [0, 2]].sum(1), g, atol=1e-5)
    assert model.embed(test).shape[0] == 40
    np.testing.assert_array_equal(model.predict(test), p.argmax(1))


@pytest.mark.slow
def test_fitted_model_learns_interleaved_classes_in_label_order():
    # Class c is a (c + 1) Hz tone: easy, so a correct column layout gives near-perfect held-out accuracy.
    torch.manual_seed(0)
    model = FusionActNet(**dict(TINY, expert_epochs=6, gate_epochs=3)).fit(_windows(n=200), verbose=False)
    test = _windows(n=80, seed=3)._replace(subjects=np.array(["t"] * 80))
    assert (model.predict(test) == test.labels).mean() >= 0.9


def _snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


@pytest.mark.parametrize("mult", [0.0, 1.0])
def test_stage_two_freezing_respected(monkeypatch, mult):
    seen = {}

    def spy(net, *args, **kwargs):
        if isinstance(net, FusionNetwork):
            seen["before"] = {n: _snapshot(getattr(net, n)) for n in ("static_expert", "dynamic_expert", "gate")}
            out = train_stage(net, *args, **kwargs)
            seen["after"] = {n: _snapshot(getattr(net, n)) for n in ("static_expert", "dynamic_expert", "gate")}
            return out
        return train_stage(net, *args, **kwargs)

    monkeypatch.setattr(fa_method, "train_stage", spy)
    model = FusionActNet(**dict(TINY, expert_lr_mult=mult, augment=False)).fit(_windows(), verbose=False)
    changed = {
        name: any(not torch.equal(seen["before"][name][k], seen["after"][name][k]) for k in seen["before"][name])
        for name in seen["before"]
    }
    assert changed["gate"]
    if mult == 0.0:
        # weights and batch-norm running statistics of both experts untouched by stage 2
        assert not changed["static_expert"] and not changed["dynamic_expert"]
    else:
        assert changed["static_expert"] and changed["dynamic_expert"]
    assert all(p.requires_grad for p in model.networks_[0].parameters())  # unfrozen again after stage 2


def test_relative_rate_slows_adam_steps_and_folds_back():
    from imuhar.methods.fusionactnet._train import relative_rate

    torch.manual_seed(0)
    for mult in (1.0, 0.1):
        lin = torch.nn.Linear(4, 3)
        before = lin.weight.detach().clone()
        with relative_rate([lin], mult):
            opt = torch.optim.Adam([p for p in lin.parameters() if p.requires_grad], lr=0.01)
            lin(torch.randn(8, 4)).pow(2).sum().backward()
            opt.step()
        step = (lin.weight.detach() - before).abs()
        # Adam's first step has size lr per element; theta moves mult times that
        torch.testing.assert_close(step, torch.full_like(step, 0.01 * mult), rtol=1e-3, atol=1e-6)
        assert isinstance(lin.weight, torch.nn.Parameter) and not hasattr(lin, "parametrizations")


def test_augmenter_rolls_about_one_axis_in_physical_units():
    from imuhar.methods.fusionactnet import NINE_CHANNELS
    from imuhar.methods.fusionactnet._train import Augmenter

    g = torch.Generator().manual_seed(0)
    raw = torch.randn(16, 18, 32, generator=g) * 3 + 1  # 2 nodes x 9 channels
    mean, std = raw.mean((0, 2)).numpy(), raw.std((0, 2)).numpy()
    x = (raw - torch.as_tensor(mean)[:, None]) / torch.as_tensor(std)[:, None]
    aug = Augmenter(n_nodes=2, channels=NINE_CHANNELS, mean=mean, std=std, seed=0, rotation_axis="x",
                    rotation_max_deg=60, scale_std=0.0, jitter_std=0.0, max_shift=0.0)
    out = aug(x) * torch.as_tensor(std)[:, None] + torch.as_tensor(mean)[:, None]
    for start in range(0, 18, 3):  # each triad: x kept, norm kept, y/z changed
        torch.testing.assert_close(out[:, start], raw[:, start], atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(out[:, start:start + 3].norm(dim=1), raw[:, start:start + 3].norm(dim=1), atol=1e-3, rtol=1e-4)
        assert not torch.allclose(out[:, start + 1], raw[:, start + 1], atol=1e-2)
    # one rotation per window and node, shared by its triads: the angle between body acc and total acc is kept
    def cos(a, b):
        return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1))
    torch.testing.assert_close(cos(out[:, 0:3], out[:, 6:9]), cos(raw[:, 0:3], raw[:, 6:9]), atol=1e-4, rtol=1e-4)


def test_no_gate_ablation_is_one_classifier_over_all_classes():
    model = FusionActNet(use_gate=False, **TINY).fit(_windows(), verbose=False)
    p = model.predict_proba(_windows(n=10, seed=2))
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-6)
    assert isinstance(model.networks_[0].inner, ResNetExpert)
    assert set(model.history_[0]) == {"arch", "seed", "single", "validation_subjects"}
    with pytest.raises(InvalidParameterError):
        model.gate(_windows(n=10))


def test_save_and_load_round_trip(tmp_path):
    train = _windows()
    model = FusionActNet(members=("resnet", "mobilenet"), **dict(TINY, expert_epochs=1)).fit(train, verbose=False)
    path = model.save(tmp_path / "fa")
    assert path.suffix == ".safetensors" and path.with_suffix(".json").exists()
    again = FusionActNet.load(tmp_path / "fa")
    w = _windows(n=12, seed=4)
    np.testing.assert_allclose(again.predict_proba(w), model.predict_proba(w), atol=1e-6)
    assert again.static_ids_ == [0, 2] and list(again.fit_subjects_) == list(model.fit_subjects_)
    with pytest.raises(SplitLeakageError):
        again.check_held_out(train[:3])


def test_ensemble_averages_members():
    model = FusionActNet(members=("resnet", "mobilenet"), **dict(TINY, expert_epochs=1)).fit(_windows(), verbose=False)
    w = _windows(n=12, seed=5)
    assert len(model.networks_) == 2
    probs = []
    for net in model.networks_:
        with torch.no_grad():
            probs.append(net(torch.from_numpy(model.input_.transform(w)))[0].exp())
    np.testing.assert_allclose(model.predict_proba(w), torch.stack(probs).mean(0).numpy(), atol=1e-5)


# ---------------------------------------------------------------------------------------- leakage by construction
def test_fit_has_no_argument_through_which_test_data_could_enter():
    params = inspect.signature(FusionActNet.fit).parameters
    assert list(params) == ["self", "train", "verbose"]
    assert params["verbose"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(Method.fit).parameters) == ["self", "train", "verbose"]


def test_validation_is_carved_from_training_subjects_only():
    train = _windows(n_subjects=10)
    model = FusionActNet(**TINY, validation_fraction=0.3).fit(train, verbose=False)
    val = set(model.validation_subjects_.tolist())
    assert val and val < set(train.subjects.tolist())
    for stage in ("static", "dynamic", "gate"):
        assert model.history_[0][stage]["val_accuracy"] is not None
    # the warm-up epoch is never kept (TINY trains experts for 2 epochs, the gate for 1)
    assert model.history_[0]["static"]["best_epoch"] == model.history_[0]["dynamic"]["best_epoch"] == 2
    assert model.history_[0]["gate"]["best_epoch"] == 1
    fit_mask, val_mask = carve_validation_subjects(train, fraction=0.3, seed=0)
    assert not set(train.subjects[fit_mask]) & set(train.subjects[val_mask])
    assert set(train.subjects[val_mask]) == val


def test_ensemble_members_select_on_their_own_training_subjects():
    train = _windows(n_subjects=10)
    model = FusionActNet(members=("resnet", "resnet"), **dict(TINY, expert_epochs=1)).fit(train, verbose=False)
    per_member = [set(h["validation_subjects"]) for h in model.history_]
    assert per_member[0] != per_member[1]
    assert set().union(*per_member) == set(model.validation_subjects_.tolist()) <= set(train.subjects.tolist())


def test_epoch_selection_last_fits_every_training_subject_for_fixed_epochs():
    train = _windows(n_subjects=6)
    model = FusionActNet(**dict(TINY, expert_epochs=3, gate_epochs=2), epoch_selection="last").fit(train, verbose=False)
    assert model.validation_subjects_.size == 0 and model.history_[0]["validation_subjects"] == []
    h = model.history_[0]
    for stage, n in (("static", 3), ("dynamic", 3), ("gate", 2)):
        assert h[stage]["best_epoch"] == n and len(h[stage]["train_loss"]) == n
        assert h[stage]["val_accuracy"] is None  # nothing held out, nothing scored
    p = model.predict_proba(_windows(n=20, seed=4))
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-6)


def test_epoch_selection_refit_retrains_on_all_subjects_for_the_selected_epochs(monkeypatch):
    sizes = []

    def spy(net, x, y, fit_idx, val_idx, **kwargs):
        sizes.append((kwargs["desc"].split()[0], len(fit_idx), len(val_idx), kwargs["epochs"]))
        return train_stage(net, x, y, fit_idx, val_idx, **kwargs)

    monkeypatch.setattr(fa_method, "train_stage", spy)
    train = _windows(n_subjects=6)
    model = FusionActNet(**dict(TINY, expert_epochs=3, gate_epochs=2), epoch_selection="refit").fit(train, verbose=False)
    h = model.history_[0]
    chosen = {k: h[k]["best_epoch"] for k in ("static", "dynamic", "gate")}
    assert h["refit_epochs"] == chosen
    selection, refit = sizes[:3], sizes[3:]
    assert all(v > 0 for _, _, v, _ in selection) and all(v == 0 for _, _, v, _ in refit)
    # the refit sees every training window of its stage, for exactly the selected number of epochs
    assert refit[2][1] == len(train) and refit[2][1] > selection[2][1]
    assert [n for *_, n in refit] == [chosen["static"], chosen["dynamic"], chosen["gate"]]
    assert {k: v["best_epoch"] for k, v in h["refit"].items()} == chosen
    assert set(model.validation_subjects_.tolist()) < set(train.subjects.tolist())


def test_naming_a_test_subject_for_validation_raises_split_leakage():
    train = _windows()
    test = _windows(n=20, seed=9)._replace(subjects=np.array(["test-subject"] * 20))
    with pytest.raises(SplitLeakageError, match="test-subject"):
        FusionActNet(**TINY, validation_subjects=["test-subject"]).fit(train, verbose=False)
    model = FusionActNet(**TINY, validation_subjects=["s0"]).fit(train, verbose=False)
    model.check_held_out(test)  # disjoint: fine
    with pytest.raises(SplitLeakageError):
        model.check_held_out(train[:5])


def test_predict_rejects_windows_of_other_channels_or_length():
    model = FusionActNet(**TINY).fit(_windows(), verbose=False)
    w = _windows(n=8)
    with pytest.raises(ChannelMismatchError):
        model.predict_proba(w._replace(channels=("a", "b", "c", "d", "e", "f")))
    with pytest.raises(ChannelMismatchError):
        model.predict_proba(w._replace(x=w.x[..., :32]))


def test_bad_parameters_raise_typed_errors():
    with pytest.raises(InvalidParameterError):
        FusionActNet(members=("transformer",)).fit(_windows(), verbose=False)
    with pytest.raises(InvalidParameterError):
        FusionActNet(expert_lr_mult=-1).fit(_windows(), verbose=False)
    with pytest.raises(InvalidParameterError):
        FusionActNet(**TINY).fit(_windows().x, verbose=False)
    with pytest.raises(InvalidParameterError, match="epoch_selection"):
        FusionActNet(**TINY, epoch_selection="test").fit(_windows(), verbose=False)


def test_registry_builds_the_method():
    model = get_method("fusionactnet", use_gate=False)
    assert isinstance(model, FusionActNet) and model.use_gate is False and not math.isnan(model.lr)
