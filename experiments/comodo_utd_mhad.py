"""COMODO on UTD-MHAD: distil a frozen full-body teacher (Kinect skeleton -> simulated 22-node IMU) into a
single real wrist IMU encoder, and compare with InfoNCE alignment, L2 distillation, no distillation and
supervised training, all read out with the paper's SVM protocol.

Protocol (every number below is repeated in the JSON record):

* Data: UTD-MHAD, 27 actions, 8 subjects, 861 trials; one trial = one sample. Split: the authors'
  cross-subject protocol, **train subjects 1, 3, 5, 7; test subjects 2, 4, 6, 8**.
* Student input: the real 6-axis inertial sensor (acc m/s^2 with gravity, gyro rad/s, 50 Hz), loaded with
  ``placement="right_wrist"`` for *every* trial: one fixed node, never chosen from the label (the sensor really
  sat on the thigh for actions 22-27; the student is not told).
* Teacher input (privileged, training only): the trial's Kinect skeleton turned into ideal simulated IMUs at
  all 22 body nodes by :func:`imuhar.simulate.simulate_imu` (50 Hz); the teacher reads the 8 upper-limb nodes
  (left/right collar, shoulder, elbow, wrist) through a **frozen, parameter-free** encoder,
  :class:`imuhar.methods.comodo.SegmentStatistics`: per node and channel the mean, standard deviation,
  minimum, maximum and 4 segment means, standardized with statistics of the training subjects' unlabelled
  teacher inputs (384-d), identity projection. Nothing on the teacher side is trained and no label enters it.
  ``comodo_teacher_all22`` repeats COMODO with the same teacher over all 22 nodes (1056-d).
* How the teacher was chosen, on training subjects only (development split: train 1, 3, 5; evaluate 7; plus
  grouped CV inside 1, 3, 5): a frozen random-weight GraphEncoder over the 22 simulated nodes (the brief's
  first suggestion, like COMODO's untrained projection) read out at 33 % top-1 (its pooling over nodes and
  time discards where and when); the statistics encoder over all 22 nodes at 77 % (CV 76 %), over the 8
  upper-limb nodes at 81 % (CV 81 %, leave-one-subject-out 1-NN 79 % vs 73 %); COMODO's random 2048 -> 128 MLP
  on top lowered the read-out (64-68 %), so the projection is the identity. No trained skeleton/IMU encoder
  existed when the teacher was chosen; the text-aligned UniMTS-style encoder's weights landed just before the
  final run and read out at 44 % on the development split (grouped CV 46 %, leave-one-subject-out 1-NN 39 %),
  far below the statistics teacher, so it stays an extra row: ``comodo_teacher_unimts`` distils from it
  (frozen, all 22 simulated nodes in its own protocol: 20 Hz, trial tiled to 200 samples, 384-d).
* Student and statistics-teacher signals are time-normalized: each trial is linearly resampled to 128 samples
  (trials last 2.1-6.5 s).
* Student: :class:`imuhar.models.CNNEncoder` on the one node (widths 32-32-64-64, 128-d embedding) plus
  COMODO's projection head shape (Linear -> BatchNorm -> GELU -> Linear, hidden 512 instead of 2048 to fit the
  CPU budget) onto the teacher's space (384-d), dropped after training.
* Objectives (same student, data, optimizer and schedule; only the loss differs): COMODO (queue K = 256 seeded
  from held-out training trials, tau_t 0.1, tau_s 0.05), symmetric InfoNCE (tau 0.1, IMU2CLIP-style), L2 (MSE
  between normalized embeddings). Optimizer AdamW lr 3e-4, weight decay 0.01, 10 % linear warm-up then linear
  decay, batch 32, 60 epochs. Distillation uses the training subjects' trials only and no labels.
* Baselines: ``no_distill`` = the same student architecture, randomly initialized with the run's seed, never
  trained (the role of the "pretrained only" row of the paper, for which we have no pretrained IMU model);
  ``no_distill_bn`` = the same with its batch-norm running statistics estimated on the training windows (no
  gradient step); both variants were defined before the test run, ``no_distill`` (the plain one) is the
  headline because it read out higher on the development split (70 % vs 63 %), i.e. the harder reference;
  ``supervised`` = the same backbone + a linear classifier trained with cross-entropy on the training subjects'
  labels (same optimizer/schedule/epochs), then read out like the others.
* Read-out (paper's protocol): backbone embeddings, L2-normalized, StandardScaler fitted on training
  embeddings, RBF-SVC (gamma=scale) with C in {1e-4..1e4} chosen by 4-fold CV grouped by training subject;
  top-1/3/5 accuracy on the test subjects. ``teacher_top1`` reads out the teacher embeddings themselves.
* Seeds 0, 1, 2 (student initialization and batch order); means and standard deviations over seeds. The two
  teacher-ablation rows (``comodo_teacher_all22``, ``comodo_teacher_unimts``) run with seed 0 only (CPU budget).
* Hyper-parameters were fixed beforehand; ``--dev`` runs the same pipeline with subjects 1, 3, 5 as training
  and subject 7 as evaluation (never a test subject) for development.

Run: ``.venv/bin/python experiments/comodo_utd_mhad.py`` (about 10 minutes on one CPU thread beside other jobs,
including a one-off simulation of the 861 skeletons, cached under ``$IMUHAR_DATA``; ``--threads 2`` helps only on
an otherwise idle machine). The last line printed is one JSON object, also written to
``experiments/results/comodo_utd_mhad.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results" / "comodo_utd_mhad.json"

# Hyper-parameters, fixed before looking at any test score.
N_SAMPLES = 128
STUDENT_NODE = "right_wrist"
TRAIN_SUBJECTS, TEST_SUBJECTS = ("1", "3", "5", "7"), ("2", "4", "6", "8")
DEV_TRAIN, DEV_EVAL = ("1", "3", "5"), ("7",)
SEEDS = (0, 1, 2)
STUDENT = dict(widths=(32, 32, 64, 64), kernel_size=5, embed_dim=128, norm="batch")
TEACHER_SEGMENTS = 4
#: Which simulated nodes the teacher reads: "all" 22, or "arms" (collars, shoulders, elbows, wrists).
TEACHER_NODES = "arms"
OPTIM = dict(epochs=60, batch_size=32, lr=3e-4, weight_decay=0.01, warmup_fraction=0.1)
COMODO = dict(queue_size=256, teacher_temperature=0.1, student_temperature=0.05)
INFONCE_TEMPERATURE = 0.1
HEAD_HIDDEN = 512


def _time_normalize(x: np.ndarray, n: int) -> np.ndarray:
    """Linearly resample axis 0 of ``x`` (T, ...) to ``n`` samples spanning the same time."""
    from scipy.interpolate import interp1d

    t_old = np.linspace(0.0, 1.0, x.shape[0])
    return interp1d(t_old, x, axis=0, kind="linear")(np.linspace(0.0, 1.0, n)).astype(np.float32)


def load_pairs(data: Path, cache_dir: Path, verbose: bool) -> dict:
    """Real wrist IMU and simulated 22-node IMU of every trial; cached as npz.

    ``student``/``teacher`` are time-normalized to ``N_SAMPLES``; ``teacher_unimts`` is the simulated IMU in the
    text-aligned encoder's own input protocol (20 Hz, whole trial tiled to 200 samples).
    """
    cache = cache_dir / f"utd_mhad_pairs_T{N_SAMPLES}_v2.npz"
    if cache.is_file():
        return dict(np.load(cache, allow_pickle=False))
    from tqdm.auto import tqdm

    from imuhar.core import NODES
    from imuhar.datasets import load_dataset, utd_mhad_skeleton_files
    from imuhar.methods.unimts import protocol_windows
    from imuhar.simulate import read_kinect_mat, simulate_imu

    recs = {r.recording_id: r for r in load_dataset("utd-mhad", data, placement=STUDENT_NODE, verbose=verbose)}
    student, teacher, labels, subjects, ids, sims = [], [], [], [], [], []
    for trial in tqdm(utd_mhad_skeleton_files(data), desc="simulate skeletons", disable=not verbose):
        rid = f"a{trial.action}_s{trial.subject}_t{trial.trial}"
        if rid not in recs or trial.inertial_path is None:
            continue
        rec = recs[rid]
        real = np.concatenate([rec.acc[STUDENT_NODE], rec.gyro[STUDENT_NODE]], axis=1)  # (T, 6)
        motion = read_kinect_mat(trial.skeleton_path, inertial_path=trial.inertial_path)
        sim = simulate_imu(motion, None, rate_hz=50.0, noise="ideal")
        full = np.stack([np.concatenate([sim.acc[n], sim.gyro[n]], axis=1) for n in NODES], axis=1)  # (T', 22, 6)
        student.append(_time_normalize(real, N_SAMPLES).T[None])  # (1, 6, N)
        teacher.append(_time_normalize(full, N_SAMPLES).transpose(1, 2, 0))  # (22, 6, N)
        labels.append(int(rec.labels[0]))
        subjects.append(rec.subject)
        ids.append(rid)
        n_sim = len(sim.acc["pelvis"])
        sims.append(sim.replace(step="label", labels=np.full(n_sim, labels[-1]), vocabulary=rec.vocabulary))
    unimts_in = protocol_windows(sims, whole_recordings=True)  # one window per trial, in trial order
    out = dict(
        student=np.stack(student), teacher=np.stack(teacher), labels=np.array(labels),
        subjects=np.array(subjects), ids=np.array(ids), teacher_unimts=unimts_in.x,
    )  # fmt: skip
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(cache.name + ".part.npz")
    np.savez(tmp, **out)
    tmp.replace(cache)
    return out


def make_windows(pairs: dict, subjects: tuple[str, ...]):
    from imuhar.core import Windows
    from imuhar.datasets import vocabulary_of

    keep = np.isin(pairs["subjects"], subjects)
    return Windows(
        x=pairs["student"][keep],
        node_mask=np.ones((int(keep.sum()), 1), dtype=bool),
        labels=pairs["labels"][keep],
        subjects=pairs["subjects"][keep],
        rate_hz=50.0,
        nodes=(STUDENT_NODE,),
        vocabulary=vocabulary_of("utd-mhad"),
        recording_ids=pairs["ids"][keep],
        metadata={"dataset": "utd-mhad", "time_normalized_samples": N_SAMPLES},
    ), keep


TEACHER_NODE_NOTE = {"all": "all 22", "arms": "8: left/right collar, shoulder, elbow, wrist"}
#: The shipped text-aligned (UniMTS-style) encoder; None = imuhar/methods/unimts/weights/default.safetensors.
UNIMTS_WEIGHTS: Path | None = None


def teacher_node_index(which: str) -> np.ndarray:
    from imuhar.core import NODES

    if which == "all":
        return np.arange(len(NODES))
    return np.array([i for i, n in enumerate(NODES) if any(k in n for k in ("collar", "shoulder", "elbow", "wrist"))])


def build_teacher(teacher_x_train: np.ndarray):
    """Frozen segment-statistics encoder, standardized on the training subjects' (unlabelled) teacher inputs."""
    from imuhar.methods.comodo import ModuleTeacher, SegmentStatistics

    return ModuleTeacher(SegmentStatistics(n_segments=TEACHER_SEGMENTS).fit(teacher_x_train), projection="identity")


def teacher_embeddings(pairs: dict, keep_tr: np.ndarray, nodes: str, cache: Path) -> np.ndarray:
    """Teacher embeddings of every trial, computed once and cached (standardized on training subjects only)."""
    if nodes == "unimts":  # the shipped text-aligned encoder, frozen, on all 22 simulated nodes
        import imuhar.methods.unimts as unimts
        from imuhar.methods.comodo import ModuleTeacher

        weights = UNIMTS_WEIGHTS or Path(unimts.__file__).with_name("weights") / "default.safetensors"
        model = unimts.TextAlignedIMU.load(weights)
        tx = pairs["teacher_unimts"]
        teacher = ModuleTeacher(model, projection="identity")
        return teacher.embed((tx, np.ones(tx.shape[:2], dtype=bool)), batch_size=128, verbose=False, cache_path=cache)
    tx = pairs["teacher"][:, teacher_node_index(nodes)]
    teacher = build_teacher(tx[keep_tr])
    return teacher.embed((tx, np.ones(tx.shape[:2], dtype=bool)), batch_size=256, verbose=False, cache_path=cache)


def run(train_subjects, eval_subjects, seeds, pairs, log, cache_dir: Path, teacher_nodes=TEACHER_NODES,
        ablation_seeds=(0,)) -> dict:
    import torch

    from imuhar.methods.comodo import Comodo, PrecomputedTeacher, build_student, svm_protocol, train_supervised

    train, keep_tr = make_windows(pairs, train_subjects)
    test, keep_te = make_windows(pairs, eval_subjects)

    def read_out(emb_tr: np.ndarray, emb_te: np.ndarray):
        return svm_protocol(emb_tr, train.labels, train.subjects, emb_te, test.labels, test_subjects=test.subjects)

    teachers = {"main": teacher_nodes}
    if teacher_nodes != "all":
        teachers["all22"] = "all"  # ablation: the same teacher over all 22 simulated nodes
    teachers["unimts"] = "unimts"  # ablation: the shipped text-aligned encoder as the teacher
    z, teacher_res = {}, {}
    for key, nodes in teachers.items():
        cache = cache_dir / f"utd_mhad_teacher_{nodes}_train{''.join(train_subjects)}.safetensors"
        z_all = teacher_embeddings(pairs, keep_tr, nodes, cache)
        z[key] = z_all[keep_tr]
        teacher_res[key] = read_out(z_all[keep_tr], z_all[keep_te]).as_dict()
        log.info("teacher %s (%s nodes, %d-d) read-out: top-1 %.1f", key, nodes, z_all.shape[1],
                 teacher_res[key]["top1"])  # fmt: skip
    common = dict(encoder="cnn", encoder_params=dict(n_nodes=1, **STUDENT), head_hidden_dim=HEAD_HIDDEN, **OPTIM)
    runs = [("comodo", "comodo", "main"), ("infonce", "infonce", "main"), ("l2", "l2", "main"),
            ("no_distill", "none", "main"), ("no_distill_bn", "none", "main")]  # fmt: skip
    if "all22" in z:
        runs.append(("comodo_teacher_all22", "comodo", "all22"))
    runs.append(("comodo_teacher_unimts", "comodo", "unimts"))
    rows: dict[str, list[dict]] = {name: [] for name, _, _ in runs}
    rows["supervised"] = []
    main_rows = ("comodo", "infonce", "l2", "no_distill", "no_distill_bn")
    for seed in seeds:
        for name, objective, key in runs:
            if name not in main_rows and seed not in ablation_seeds:
                continue  # the teacher ablations run with fewer seeds (CPU budget)
            t0 = time.perf_counter()
            model = Comodo(
                teacher=PrecomputedTeacher(z[key]), objective=objective, seed=seed,
                calibrate_batchnorm=name == "no_distill_bn", infonce_temperature=INFONCE_TEMPERATURE,
                **COMODO, **common,
            )  # fmt: skip
            model.fit(_unlabelled(train), verbose=False)  # distillation never sees a label
            res = read_out(model.embed(train), model.embed(test))
            rows[name].append({"seed": seed, **res.as_dict(),
                               "final_loss": None if model.history_ is None else model.history_.epoch_loss[-1]})
            log.info("seed %d %-20s top-1 %.1f (C=%g, %.0f s)", seed, name, res.top1, res.best_C,
                     time.perf_counter() - t0)  # fmt: skip
        t0 = time.perf_counter()
        student = build_student("cnn", n_nodes=1, out_dim=z["main"].shape[1], encoder_params=STUDENT,
                                head_hidden_dim=HEAD_HIDDEN, seed=seed)  # fmt: skip
        train_supervised(student.backbone, train.x, train.node_mask, train.labels, n_classes=len(train.vocabulary),
                         seed=seed, verbose=False, **OPTIM)  # fmt: skip
        with torch.no_grad():
            emb_tr = student.backbone(torch.from_numpy(train.x), torch.from_numpy(train.node_mask)).numpy()
            emb_te = student.backbone(torch.from_numpy(test.x), torch.from_numpy(test.node_mask)).numpy()
        res = read_out(emb_tr, emb_te)
        rows["supervised"].append({"seed": seed, **res.as_dict()})
        log.info("seed %d %-20s top-1 %.1f (%.0f s)", seed, "supervised", res.top1, time.perf_counter() - t0)
    return {"rows": rows, "teacher": teacher_res, "n_train": train.n_windows, "n_eval": test.n_windows,
            "teacher_dims": {k: int(v.shape[1]) for k, v in z.items()}}  # fmt: skip


def _unlabelled(windows):
    """The same windows with every label hidden (-1): distillation must not see labels (and no probe is fitted)."""
    from imuhar.core import Windows

    return Windows(
        x=windows.x, node_mask=windows.node_mask, labels=np.full(windows.n_windows, -1), subjects=windows.subjects,
        rate_hz=windows.rate_hz, nodes=windows.nodes, vocabulary=windows.vocabulary,
        recording_ids=windows.recording_ids, metadata=windows.metadata,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    shared = Path(os.environ.get("IMUHAR_SHARED_DATA", ROOT.parent / "shared" / "data"))
    parser.add_argument("--data", type=Path, default=shared / "utd-mhad")
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("IMUHAR_DATA", Path.home() / ".cache" / "imuhar")) / "comodo")
    parser.add_argument("--dev", action="store_true", help="train subjects 1,3,5, evaluate on 7 (no test subject)")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--ablation-seeds", type=int, nargs="*", default=[0],
                        help="seeds of the teacher-ablation rows (comodo_teacher_all22, comodo_teacher_unimts)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (at most 2)")
    parser.add_argument("--teacher-nodes", choices=("all", "arms"), default=TEACHER_NODES)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    log = logging.getLogger("comodo_utd_mhad")
    import torch

    torch.set_num_threads(max(1, min(2, args.threads)))
    started = time.perf_counter()
    pairs = load_pairs(args.data, args.cache, verbose=not args.quiet)
    log.info("%d trials: student %s, teacher %s", len(pairs["labels"]), pairs["student"].shape, pairs["teacher"].shape)
    tr, ev = (DEV_TRAIN, DEV_EVAL) if args.dev else (TRAIN_SUBJECTS, TEST_SUBJECTS)
    out = run(tr, ev, tuple(args.seeds), pairs, log, args.cache, args.teacher_nodes, tuple(args.ablation_seeds))
    record: dict = {}
    for name, rows in out["rows"].items():
        if not rows:
            continue
        for k in ("top1", "top3", "top5"):
            vals = np.array([r[k] for r in rows])
            record[f"{name}_{k}"] = round(float(vals.mean()), 2)
            record[f"{name}_{k}_std"] = round(float(vals.std(ddof=0)), 2)
    record.update(
        teacher_top1=round(out["teacher"]["main"]["top1"], 2),
        teacher_all22_top1=round(out["teacher"]["all22"]["top1"], 2) if "all22" in out["teacher"] else None,
        teacher_unimts_top1=round(out["teacher"]["unimts"]["top1"], 2),
        comodo_minus_infonce_top1=round(record["comodo_top1"] - record["infonce_top1"], 2),
        comodo_minus_no_distill_top1=round(record["comodo_top1"] - record["no_distill_top1"], 2),
        comodo_minus_l2_top1=round(record["comodo_top1"] - record["l2_top1"], 2),
        seeds=list(args.seeds),
        ablation_seeds=list(args.ablation_seeds),
        dataset="utd-mhad (861 trials, 27 actions; one trial = one sample, time-normalized to 128 samples)",
        split=("dev: train subjects 1,3,5 / eval subject 7" if args.dev
               else "cross-subject: train subjects 1,3,5,7 / test subjects 2,4,6,8"),  # fmt: skip
        n_train=out["n_train"], n_test=out["n_eval"],
        protocol=("backbone embeddings -> L2-normalize -> StandardScaler(train) -> RBF-SVC(gamma=scale), "
                  "C in {1e-4..1e4} by 4-fold CV grouped by training subject; top-k on test subjects"),
        student=f"real IMU at fixed node {STUDENT_NODE} for every trial (6 ch); CNNEncoder {STUDENT}",
        teacher=("Kinect skeleton -> ideal simulated IMU at 22 nodes (imuhar.simulate, 50 Hz) -> frozen "
                 f"SegmentStatistics over the {args.teacher_nodes} nodes ({TEACHER_NODE_NOTE[args.teacher_nodes]}; per "
                 f"node x channel: mean, std, min, max, {TEACHER_SEGMENTS} segment means; standardized on the "
                 f"training subjects' unlabelled teacher inputs) -> identity projection, "
                 f"{out['teacher_dims']['main']}-d; nothing trained, no labels. comodo_teacher_all22: the same "
                 "teacher over all 22 nodes. comodo_teacher_unimts: the shipped text-aligned encoder "
                 "(imuhar/methods/unimts/weights/default.safetensors, frozen, 384-d, identity projection) on all 22 "
                 "simulated nodes in its own protocol (20 Hz, trial tiled to 200 samples)"),
        selection=("teacher (statistics encoder over the 8 upper-limb simulated nodes), identity projection, "
                   "student size, epochs and the headline no_distill variant fixed on a development split inside "
                   "the training subjects (train 1,3,5 / evaluate 7) and grouped CV. Disclosure: one early smoke "
                   "run of the pipeline (6 of 27 actions, 5 epochs, random-graph teacher) printed test-subject "
                   "figures before the development split existed; its weak teacher prompted the check of teachers, "
                   "which was then decided on the development split (random graph 33 % vs statistics 77-81 %)"),
        no_distill="same student architecture, random init (run seed), untrained (initial batch-norm statistics)",
        no_distill_bn=("same, with batch-norm running statistics estimated on the training windows (no gradient "
                       "step, no label)"),
        supervised="same backbone + linear classifier, cross-entropy on training-subject labels, same optimizer",
        settings={"optim": OPTIM, "comodo": COMODO, "infonce_temperature": INFONCE_TEMPERATURE,
                  "head_hidden": HEAD_HIDDEN, "teacher_segments": TEACHER_SEGMENTS, "n_samples": N_SAMPLES},
        per_seed={name: [{k: r[k] for k in ("seed", "top1", "top3", "top5", "best_C")} for r in rows]
                  for name, rows in out["rows"].items()},
        runtime_s=round(time.perf_counter() - started, 1),
    )  # fmt: skip
    line = json.dumps(record)
    if not args.dev:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
