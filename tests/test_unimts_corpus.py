"""The generic posture synthesizer and caption builders behind the pretraining corpus."""

from __future__ import annotations

import numpy as np
import pytest

from imuhar.core import NODE_INDEX, InvalidParameterError
from imuhar.methods.unimts._captions import bandai_captions, cmu_captions, paraphrase
from imuhar.methods.unimts._postures import (
    POSTURES,
    pose_positions,
    posture_corpus,
    rest_skeleton,
    synthesize_posture,
    synthesize_transition,
)
from imuhar.methods.unimts._postures import _angle_matrix


def _bone_lengths(pos):
    from imuhar.core import NODE_PARENTS

    return np.stack([np.linalg.norm(pos[..., j, :] - pos[..., p, :], axis=-1) for j, p in enumerate(NODE_PARENTS) if p >= 0], -1)


def test_forward_kinematics_keeps_bone_lengths():
    rest = rest_skeleton()
    angles = _angle_matrix([POSTURES[n].angles for n in POSTURES])
    pos = pose_positions(angles)
    np.testing.assert_allclose(_bone_lengths(pos), np.broadcast_to(_bone_lengths(rest), (len(POSTURES), 21)), atol=1e-9)


def test_postures_have_the_geometry_their_names_say():
    def frame(name):
        return synthesize_posture(name, duration_s=1.0, seed=3).positions.mean(axis=0)

    stand, sit, lie = frame("standing"), frame("sitting"), frame("lying_back")
    head, pelvis, foot = NODE_INDEX["head"], NODE_INDEX["pelvis"], NODE_INDEX["left_foot"]
    assert 1.35 < stand[head, 1] < 1.85 and stand[foot, 1] < 0.15  # upright, feet on the floor
    assert 0.35 < sit[pelvis, 1] < 0.7 and sit[head, 1] < stand[head, 1] - 0.3
    assert lie[head, 1] < 0.45 and lie[pelvis, 1] < 0.45  # the whole body near the floor
    # thigh horizontal when sitting, vertical when standing
    thigh = lambda f: f[NODE_INDEX["left_knee"]] - f[NODE_INDEX["left_hip"]]  # noqa: E731
    assert abs(thigh(sit)[1]) < 0.15 and thigh(stand)[1] < -0.35


def test_sway_is_small_and_seeded():
    a = synthesize_posture("standing", duration_s=10, rate_hz=30, seed=7).positions
    b = synthesize_posture("standing", duration_s=10, rate_hz=30, seed=7).positions
    np.testing.assert_array_equal(a, b)
    wrist_motion = a[:, NODE_INDEX["right_wrist"]].std(axis=0).max()
    assert 0.001 < wrist_motion < 0.05  # alive, but still standing


def test_transition_moves_smoothly_between_postures():
    m = synthesize_transition("sitting", "standing", hold_before_s=1, transition_s=2, hold_after_s=1, rate_hz=30, seed=0)
    pelvis_y = m.positions[:, NODE_INDEX["pelvis"], 1]
    assert pelvis_y[:20].mean() < 0.7 < pelvis_y[-20:].mean()
    vel = np.diff(m.positions, axis=0) * 30
    assert np.abs(vel).max() < 3.0  # no jumps: a sit-to-stand moves joints at most a few m/s
    assert "stands up" in m.captions[0]


def test_corpus_and_errors():
    items = list(posture_corpus(n_holds_per_posture=1, n_per_transition=1, duration_s=4.0))
    assert len(items) > len(POSTURES) and all(x.positions.shape[1:] == (22, 3) for x in items)
    assert all(np.isfinite(x.positions).all() for x in items)
    with pytest.raises(InvalidParameterError, match="unknown posture"):
        synthesize_posture("handstand")
    with pytest.raises(InvalidParameterError):
        list(posture_corpus(transitions="some"))


def test_captions():
    caps = bandai_captions("dataset-1_walk-back", "dataset-1_tired")
    assert caps[0] == "a person walks backward tiredly"
    assert cmu_captions("playground - climb, sit")[0] == "a person on a playground: climb, sit"
    assert cmu_captions("run/jog")[0] == "a person performs: run or jog"
    rng = np.random.default_rng(0)
    outs = {paraphrase("a person walks forward", rng) for _ in range(50)}
    assert len(outs) > 2 and all(o.endswith("walks forward") for o in outs)
