"""IMU encoders: a graph network over the 22-node body, 1-D CNN/ResNet/MobileNet baselines, a registry, weights I/O.

Every encoder maps ``x`` of shape (batch, n_nodes, n_channels, n_samples) and ``node_mask`` (batch, n_nodes)
to an embedding (batch, embed_dim); absent nodes never influence the output. Importing this subpackage
imports torch; ``import imuhar`` does not.
"""

from ._base import Encoder
from ._conv1d import CNNEncoder, MobileNet1DEncoder, ResNet1DEncoder
from ._dist import all_gather_cat, all_reduce_sum
from ._graph import GraphEncoder, spatial_adjacency
from ._inference import embed_windows, windows_to_arrays
from ._layers import ChannelLayerNorm, MaskedBatchNorm, masked_mean
from ._registry import EncoderSpec, build_encoder, get_encoder_class, list_encoders, register_encoder
from .weights import (
    UnsafeWeightsError,
    check_safetensors,
    load_tensors,
    load_weights,
    read_weights_config,
    save_tensors,
    save_weights,
    sha256_file,
    write_json_atomic,
)

__all__ = [
    "CNNEncoder",
    "ChannelLayerNorm",
    "Encoder",
    "EncoderSpec",
    "GraphEncoder",
    "MaskedBatchNorm",
    "MobileNet1DEncoder",
    "ResNet1DEncoder",
    "UnsafeWeightsError",
    "all_gather_cat",
    "all_reduce_sum",
    "build_encoder",
    "check_safetensors",
    "embed_windows",
    "get_encoder_class",
    "list_encoders",
    "load_tensors",
    "load_weights",
    "masked_mean",
    "read_weights_config",
    "register_encoder",
    "save_tensors",
    "save_weights",
    "sha256_file",
    "spatial_adjacency",
    "windows_to_arrays",
    "write_json_atomic",
]
