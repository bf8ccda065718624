"""From recordings to model-ready windows: resample, filter, window, split by subject, standardize.

    python examples/preprocess_basicmotions.py
"""

from imuhar.datasets import load_dataset
from imuhar.preprocessing import Standardizer, lowpass, resample, sliding_windows

recordings = load_dataset("basicmotions", verbose=False)  # 80 real smartwatch recordings, 10 Hz
recordings = [lowpass(resample(r, target_rate_hz=20.0), cutoff_hz=5.0) for r in recordings]
windows = sliding_windows(recordings, length_s=4.0, overlap=0.5, label_rule="majority", verbose=False)

train = windows.of_subjects(["train"])  # BasicMotions' two halves stand in for subjects
test = windows.of_subjects(["test"])
scaler = Standardizer().fit(train)  # statistics of training subjects only
train, test = scaler.transform(train), scaler.transform(test)

print(windows)
print("steps applied:", [step["step"] for step in windows.metadata["provenance"]])
X, y, channel_names = test.to_sktime()  # sktime's (n_instances, n_channels, n_timepoints) layout
print("sktime layout:", X.shape, channel_names[:3], sorted(str(v) for v in set(y)))
