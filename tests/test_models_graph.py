"""The body graph, the masked normalization and the packed (present-nodes-only) graph computation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from imuhar.core import NODE_INDEX, NODE_PARENTS, InvalidParameterError
from imuhar.models import GraphEncoder, MaskedBatchNorm, spatial_adjacency


def test_adjacency_partitions_follow_the_tree():
    a = spatial_adjacency()
    assert a.shape == (3, 22, 22)
    np.testing.assert_array_equal(a[0], np.eye(22))
    # every column of every partition is a mean over that partition's neighbours (or empty)
    sums = a.sum(axis=1)
    assert set(np.round(sums, 6).ravel()) <= {0.0, 1.0}
    pelvis, spine3 = NODE_INDEX["pelvis"], NODE_INDEX["spine3"]
    # the pelvis hears its three children equally, and has no parent
    children = [NODE_INDEX["left_hip"], NODE_INDEX["right_hip"], NODE_INDEX["spine1"]]
    np.testing.assert_allclose(a[1, children, pelvis], 1 / 3)
    assert a[2, :, pelvis].sum() == 0
    # spine3: neck and both collars are its children, spine2 its parent
    kids = [NODE_INDEX["neck"], NODE_INDEX["left_collar"], NODE_INDEX["right_collar"]]
    np.testing.assert_allclose(a[1, kids, spine3], 1 / 3)
    assert a[2, NODE_INDEX["spine2"], spine3] == 1.0
    # a wrist is a leaf: no children, its parent is the elbow
    wrist = NODE_INDEX["right_wrist"]
    assert a[1, :, wrist].sum() == 0 and a[2, NODE_INDEX["right_elbow"], wrist] == 1.0
    # support of the two neighbour partitions = the 21 bones, in both directions
    support = (a[1] + a[2]) > 0
    bones = {(c, p) for c, p in enumerate(NODE_PARENTS) if p >= 0}
    assert {tuple(e) for e in np.argwhere(support)} == bones | {(p, c) for c, p in bones}
    with pytest.raises(InvalidParameterError):
        spatial_adjacency([-1, 5])


def test_masked_batch_norm_uses_present_positions_only():
    torch.manual_seed(0)
    bn = MaskedBatchNorm(4, momentum=1.0)
    x = torch.randn(3, 4, 7, 5) * 2 + 1
    mask = torch.rand(3, 1, 1, 5) < 0.5
    mask[0, 0, 0, 0] = True
    y = bn(x, mask)
    present = x.permute(0, 2, 3, 1)[mask.expand(3, 1, 7, 5)[:, 0]]  # (n_present_positions, 4)
    ref = F.batch_norm(present, None, None, training=True, eps=bn.eps)
    got = y.permute(0, 2, 3, 1)[mask.expand(3, 1, 7, 5)[:, 0]]
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-5)
    # running statistics are the unbiased present-only statistics (momentum 1 keeps only this batch)
    torch.testing.assert_close(bn.running_mean, present.mean(0))
    torch.testing.assert_close(bn.running_var, present.var(0, unbiased=True))
    # zeros at absent positions leave the statistics alone
    x2 = torch.where(mask, x, torch.zeros(()))
    torch.testing.assert_close(bn(x2, mask).permute(0, 2, 3, 1)[mask.expand(3, 1, 7, 5)[:, 0]], ref)
    bn.eval()
    torch.testing.assert_close(bn(x, mask), (x - bn.running_mean.view(1, 4, 1, 1)) / torch.sqrt(
        bn.running_var.view(1, 4, 1, 1) + bn.eps))


@pytest.mark.parametrize("train", [True, False])
def test_packed_path_equals_dense_path(train):
    torch.manual_seed(0)
    model = GraphEncoder(widths=(8, 12, 12), strides=(1, 2, 1), kernel_size=3, embed_dim=10).train(train)
    with torch.no_grad():  # make edge importance and node embeddings non-trivial
        for block in model.blocks:
            block.importance.uniform_(0.5, 1.5)
        model.node_bias.normal_()
    x = torch.randn(6, 22, 6, 30)
    mask = torch.rand(6, 22) < 0.25
    mask[0] = False
    mask[0, [0, 1, 2, 3, 9, 21]] = True  # the pelvis with all its children, plus spine3
    mask[1] = False
    mask[1, 21] = True
    model.packed = True
    packed = model(x, mask)
    model.packed = False
    dense = model(x, mask)
    torch.testing.assert_close(packed, dense, rtol=1e-5, atol=1e-5)


def test_neighbours_exchange_information_only_when_present():
    torch.manual_seed(0)
    model = GraphEncoder(widths=(8, 8), strides=(1, 1), kernel_size=3, embed_dim=6).eval()
    x = torch.randn(1, 22, 6, 20)
    wrist, elbow = NODE_INDEX["right_wrist"], NODE_INDEX["right_elbow"]

    def pooled_wrist(xx, nodes):
        mask = torch.zeros(1, 22, dtype=torch.bool)
        mask[0, nodes] = True
        return model(xx, mask)

    x2 = x.clone()
    x2[0, elbow] += 5.0
    # elbow present: the wrist's features (and the pooled output) change with the elbow's signal
    assert not torch.allclose(pooled_wrist(x, [wrist, elbow]), pooled_wrist(x2, [wrist, elbow]))
    # elbow absent: nothing of it arrives
    torch.testing.assert_close(pooled_wrist(x, [wrist]), pooled_wrist(x2, [wrist]))


def test_relay_mode_carries_signals_through_absent_nodes():
    torch.manual_seed(0)
    x = torch.randn(1, 22, 6, 20)
    mask = torch.zeros(1, 22, dtype=torch.bool)
    wrist, shoulder = NODE_INDEX["right_wrist"], NODE_INDEX["right_shoulder"]
    mask[0, [wrist, shoulder]] = True  # two hops apart via the (absent) elbow
    x2 = x.clone()
    x2[0, shoulder] *= 3.0
    for absent, should_interact in (("zero", False), ("relay", True)):
        torch.manual_seed(1)
        model = GraphEncoder(widths=(8, 8, 8, 8), strides=(1, 1, 1, 1), kernel_size=3, embed_dim=6, absent=absent)
        model.eval()
        model.packed = False  # the dense path, so that the hook sees (B, C, T, V) features of every node
        # the wrist's own features after the last block (the pooled output mixes both nodes anyway)
        feats = {}
        model.blocks[-1].register_forward_hook(lambda m, i, o: feats.__setitem__("h", o))
        model(x, mask)
        h1 = feats["h"][0, :, :, wrist].clone()
        model(x2, mask)
        h2 = feats["h"][0, :, :, wrist].clone()
        assert (not torch.allclose(h1, h2)) is should_interact, absent


def test_constructor_validates():
    with pytest.raises(InvalidParameterError, match="kernel_size"):
        GraphEncoder(kernel_size=4)
    with pytest.raises(InvalidParameterError, match="absent"):
        GraphEncoder(absent="ignore")
    with pytest.raises(InvalidParameterError, match="strides"):
        GraphEncoder(widths=(8, 8), strides=(1,))
    with pytest.raises(InvalidParameterError, match="norm"):
        GraphEncoder(norm="group")
    with pytest.raises(InvalidParameterError, match="22-node"):
        GraphEncoder(n_nodes=10)
