"""Simulated-prototype zero-shot: retrieval by caption, prototypes at the benchmark's placement, blending."""

import numpy as np
import pytest

from imuhar.core import InvalidParameterError
from imuhar.methods.unimts import CorpusPrototypes, PretrainCorpus, blend_scores, class_prototypes


def _takes(imu, captions):
    imu = np.asarray(imu, dtype=np.float32)
    captions = np.asarray(captions, dtype=np.float32)
    return CorpusPrototypes(imu, captions, [f"t{i}" for i in range(len(imu))], ["pelvis"], 51)


def test_prototype_is_the_imu_embedding_of_the_takes_whose_captions_match_the_prompt():
    imu = np.eye(3)  # take i embeds to e_i
    caps = np.array([[1, 0], [0, 1], [0.6, 0.8]])  # take 0 says "walk", take 1 "sit", take 2 in between
    caps = caps / np.linalg.norm(caps, axis=1, keepdims=True)
    classes = np.array([[1.0, 0.0], [0.0, 1.0]])
    sharp = class_prototypes(_takes(imu, caps), classes, temperature=1e-3)
    assert np.allclose(sharp, [[1, 0, 0], [0, 1, 0]], atol=1e-6)
    soft = class_prototypes(_takes(imu, caps), classes, temperature=10.0)
    assert np.allclose(np.linalg.norm(soft, axis=1), 1.0)
    # a hot softmax spreads weight: every take contributes, the best match still most
    assert (soft > 0.3).all() and soft[0].argmax() == 0 and soft[1].argmax() == 1


def test_prototype_arguments_are_checked():
    t = _takes(np.eye(2), np.eye(2))
    with pytest.raises(InvalidParameterError, match="temperature"):
        class_prototypes(t, np.eye(2), temperature=0)
    with pytest.raises(InvalidParameterError, match="same text encoder"):
        class_prototypes(t, np.ones((2, 5)) / np.sqrt(5))


def test_blend_weights_standardized_scores():
    rng = np.random.default_rng(0)
    text, proto = rng.normal(size=(20, 4)), 100 * rng.normal(size=(20, 4))
    z = lambda s: (s - s.mean()) / s.std()  # noqa: E731
    assert np.allclose(blend_scores(text, proto, 1.0), z(text))
    assert np.allclose(blend_scores(text, proto, 0.0), z(proto))
    assert np.allclose(blend_scores(text, proto, 0.25), 0.25 * z(text) + 0.75 * z(proto))
    with pytest.raises(InvalidParameterError, match="alpha"):
        blend_scores(text, proto, 1.5)
    with pytest.raises(InvalidParameterError, match="shapes"):
        blend_scores(text, proto[:, :3], 0.5)


@pytest.fixture(scope="module")
def tiny_model():
    import torch

    from imuhar.methods.unimts import TextAlignedIMU
    from imuhar.models import build_encoder

    torch.manual_seed(0)
    enc = build_encoder("graph", widths=[8, 16], strides=[4, 2], norm="layer", embed_dim=16)
    return TextAlignedIMU(enc, text_model="test")


class _HashText:
    """A deterministic stand-in text encoder: bag of character trigrams hashed into 16 dimensions."""

    def encode(self, texts):
        out = np.zeros((len(texts), 16))
        for i, t in enumerate(texts):
            for j in range(len(t) - 2):
                out[i, hash(t[j : j + 3]) % 16] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def _corpus(rng):
    lengths = [120, 60]
    acc = rng.normal(size=(sum(lengths), 22, 3)).astype(np.float32)
    gyro = rng.normal(size=(sum(lengths), 22, 3)).astype(np.float32)
    return PretrainCorpus(acc, gyro, [0, 120, 180], [["a person walks"], ["a person sits"]], ["x", "x"], ["a", "b"], 20.0)


def test_take_embeddings_see_only_the_benchmark_nodes(tiny_model):
    from imuhar.methods.unimts import corpus_take_embeddings

    rng = np.random.default_rng(1)
    corpus = _corpus(rng)
    takes = corpus_take_embeddings(tiny_model, corpus, _HashText(), ["pelvis"], native_samples=51, seed=3)
    assert takes.imu.shape == (2, 16) and takes.captions.shape == (2, 16)
    assert np.allclose(np.linalg.norm(takes.imu, axis=1), 1, atol=1e-5)
    # signals at other nodes are never read: changing them changes nothing
    other = PretrainCorpus(corpus.acc.copy(), corpus.gyro.copy(), corpus.offsets, corpus.captions, corpus.sources, corpus.names, 20.0)
    other.acc[:, 1:] = 1e3
    again = corpus_take_embeddings(tiny_model, other, _HashText(), ["pelvis"], native_samples=51, seed=3)
    assert np.allclose(takes.imu, again.imu, atol=1e-6)
    with pytest.raises(InvalidParameterError, match="canonical node"):
        corpus_take_embeddings(tiny_model, corpus, _HashText(), ["belt"])
    with pytest.raises(InvalidParameterError, match="native_samples"):
        corpus_take_embeddings(tiny_model, corpus, _HashText(), ["pelvis"], native_samples=500)
