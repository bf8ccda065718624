"""Public API of imuhar.preprocessing: names exist, import stays light, the one-call pipeline records every step."""

import json
import subprocess
import sys

import numpy as np

import imuhar.preprocessing as pp
from imuhar.core import LabelVocabulary, Recording


def test_every_public_name_exists():
    missing = [n for n in pp.__all__ if not hasattr(pp, n)]
    assert not missing
    assert len(set(pp.__all__)) == len(pp.__all__)


def test_import_is_light():
    code = (
        "import sys, imuhar.preprocessing; "
        "heavy = [m for m in ('torch', 'transformers', 'sktime', 'sklearn', 'scipy.signal') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_preprocess_chains_steps_into_provenance(rng):
    t = np.arange(3000) / 50.0
    acc = np.stack([np.sin(2 * np.pi * 2 * t), np.zeros_like(t), np.full_like(t, 9.81)], axis=1) + 0.01 * rng.normal(size=(3000, 3))
    rec = Recording(acc={"thigh": acc}, gyro={"thigh": rng.normal(size=(3000, 3))}, sample_rate_hz=50.0,
                    labels=np.repeat([0, 1], 1500), vocabulary=LabelVocabulary.from_names(["a", "b"]), subject="9")
    w = pp.preprocess([rec], target_rate_hz=20.0, lowpass_hz=8.0, acc="body", length_s=3.2, overlap=0.5, verbose=False)
    assert [p["step"] for p in w.metadata["provenance"]] == ["resample", "lowpass", "split_gravity", "sliding_windows"]
    z = pp.Standardizer().fit_transform(w, subjects=["9"])
    json.dumps(z.metadata)  # provenance is plain JSON, ready for result headers
    assert w.rate_hz == 20.0 and w.n_samples == 64 and w.nodes == ("right_hip",)  # thigh -> right_hip node
    # body acceleration: gravity removed from z, the 2 Hz motion kept on x
    assert abs(float(w.x[:, 0, 2].mean())) < 0.05
    assert float(w.x[:, 0, 0].std()) > 0.6
