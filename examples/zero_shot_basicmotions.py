"""Recognize activities with no labelled example: match IMU windows against text prompts of the class names.

    python examples/zero_shot_basicmotions.py
"""

import numpy as np

from imuhar.methods.unimts import class_text_embeddings, zero_shot_scores
from imuhar.methods.unimts._benchmark import benchmark_windows
from imuhar.methods.unimts._evaluate import load_model
from imuhar.text import TextEncoder

model = load_model("default")  # the shipped weights, loaded offline from safetensors
data = benchmark_windows("basicmotions")  # 20 Hz, 10 s windows, the watch at the right wrist
classes = class_text_embeddings(TextEncoder(), data.vocabulary)  # prompts from names + card descriptions
scores = zero_shot_scores(model, data.test, classes)
pred = scores.argmax(axis=1)
print("classes:", data.vocabulary.names)
print(f"zero-shot accuracy on the {len(pred)} test windows: {100 * np.mean(pred == data.test.labels):.1f} %")
