"""COMODO on a few real UTD-MHAD trials: skeleton -> simulated 22-node IMU teacher, real wrist IMU student."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import require_shared


@pytest.mark.slow
def test_skeleton_teacher_distils_into_real_wrist_student():
    from scipy.interpolate import interp1d

    from imuhar.core import NODES, Windows
    from imuhar.datasets import load_dataset, utd_mhad_skeleton_files
    from imuhar.methods.comodo import Comodo, ModuleTeacher, SegmentStatistics
    from imuhar.simulate import read_kinect_mat, simulate_imu

    root = require_shared("utd-mhad")
    torch.set_num_threads(1)
    wanted = {1, 23}  # a wrist action and a leg action, subjects 1-4, trials 1-2
    trials = [t for t in utd_mhad_skeleton_files(root) if t.action in wanted and t.trial <= 2 and int(t.subject) <= 4]
    recs = {
        r.recording_id: r
        for r in load_dataset("utd-mhad", root, placement="right_wrist", subjects=["1", "2", "3", "4"], verbose=False)
    }

    def norm_time(a: np.ndarray) -> np.ndarray:  # (T, ...) -> (64, ...)
        return interp1d(np.linspace(0, 1, len(a)), a, axis=0)(np.linspace(0, 1, 64)).astype(np.float32)

    student, teacher, labels, subjects = [], [], [], []
    for t in trials:
        rec = recs[f"a{t.action}_s{t.subject}_t{t.trial}"]
        assert set(rec.acc) == {"right_wrist"}  # one fixed node, whatever the action
        sim = simulate_imu(read_kinect_mat(t.skeleton_path, inertial_path=t.inertial_path), None, rate_hz=50.0)
        assert set(sim.acc) == set(NODES)
        student.append(norm_time(np.c_[rec.acc["right_wrist"], rec.gyro["right_wrist"]]).T[None])
        teacher.append(norm_time(np.stack([np.c_[sim.acc[n], sim.gyro[n]] for n in NODES], 1)).transpose(1, 2, 0))
        labels.append(int(rec.labels[0]))
        subjects.append(rec.subject)
    x_t = np.stack(teacher)
    train = Windows(x=np.stack(student), node_mask=np.ones((len(trials), 1), bool), labels=np.array(labels),
                    subjects=np.array(subjects), rate_hz=50.0, nodes=("right_wrist",),
                    vocabulary=next(iter(recs.values())).vocabulary)  # fmt: skip
    assert train.n_windows == 16
    teacher_net = SegmentStatistics(n_segments=4).fit(x_t)
    model = Comodo(
        teacher=ModuleTeacher(teacher_net, projection="identity"),
        encoder="cnn",
        encoder_params={"n_nodes": 1, "widths": (8, 16), "kernel_size": 5, "embed_dim": 16},
        queue_size=8,
        epochs=3,
        batch_size=8,
        head_hidden_dim=32,
        svm_c_grid=(1.0,),
    ).fit(train, teacher_inputs=(x_t, np.ones(x_t.shape[:2], bool)), verbose=False)
    assert len(model.history_.epoch_loss) == 3 and np.isfinite(model.history_.epoch_loss).all()
    assert model.embed(train).shape == (16, 16)
    # the teacher's view separates a right-arm swipe from walking: same-action trials are nearest neighbours
    z = model.teacher.embed((x_t, np.ones(x_t.shape[:2], bool)), verbose=False)
    sim_ = z @ z.T
    np.fill_diagonal(sim_, -np.inf)
    assert (train.labels[sim_.argmax(1)] == train.labels).mean() >= 0.9
