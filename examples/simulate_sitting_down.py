"""Simulate the accelerometer and gyroscope of a phone in the trouser pocket while a person sits down.

The motion comes from imuhar's generic posture synthesizer (global joint positions, y up); any BVH file,
HumanML3D joints or Kinect skeleton works the same way through `imuhar.simulate.load_motion`.

    python examples/simulate_sitting_down.py
"""

import numpy as np

from imuhar.methods.unimts import synthesize_transition
from imuhar.simulate import UP_AXIS_TO_Z, canonical_motion_from_positions, simulate_imu

motion = synthesize_transition("standing", "sitting", hold_before_s=2, transition_s=2, hold_after_s=2, seed=1)
skeleton = canonical_motion_from_positions(motion.positions @ UP_AXIS_TO_Z["y"].T, motion.rate_hz)
rec = simulate_imu(skeleton, ["front_pocket", "right_wrist"], rate_hz=50.0, noise="consumer_phone", seed=0)

thigh = rec.acc["right_hip"]
print(rec)
print(f"|acc| standing {np.linalg.norm(thigh[:50], axis=1).mean():.2f} m/s², seated {np.linalg.norm(thigh[-50:], axis=1).mean():.2f} m/s²")
# the thigh turns from vertical to horizontal: gravity moves from one sensor axis to another
print("gravity direction in the pocket, standing:", np.round(thigh[:50].mean(0) / 9.81, 2), "seated:", np.round(thigh[-50:].mean(0) / 9.81, 2))
print(f"peak thigh rotation rate {np.abs(rec.gyro['right_hip']).max():.2f} rad/s during the transition")
