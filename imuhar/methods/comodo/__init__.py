"""COMODO: cross-modal distillation from a frozen teacher (video, skeleton, any module) into an IMU encoder.

A FIFO queue of frozen-teacher embeddings; the IMU student is trained so that its similarity distribution over
the queue matches the teacher's (soft cross-entropy, teacher temperature 0.1, student 0.05). No labels are
used; only the student's backbone is kept. Baselines: IMU2CLIP-style InfoNCE alignment and L2 distillation.
Evaluation: the paper's SVM protocol on the backbone embeddings.

Typical use (the teacher sees a richer modality, the student only the IMU)::

    from imuhar.methods.comodo import Comodo, ModuleTeacher, VideoTeacher, PrecomputedTeacher

    teacher = VideoTeacher.from_pretrained("/models/videomae-base")     # local folder, never downloaded
    # or ModuleTeacher(frozen_skeleton_encoder), or PrecomputedTeacher("teacher.safetensors")
    model = Comodo(teacher=teacher, encoder="cnn", queue_size=4096, epochs=20)
    model.fit(train_windows, teacher_inputs=train_clips)                # row-aligned; labels never used
    result = model.evaluate(train_windows, test_windows)                # SVM protocol, top-1/3/5 (%)

    # or straight from arrays: IMU windows (n, 6, T) and row-aligned teacher embeddings (n, d)
    from imuhar.methods.comodo import distill_pairs
    model = distill_pairs(imu, teacher_z, rate_hz=50.0, queue_size=1024, epochs=20)
    features = model.embed(new_imu)                                     # (m, embed_dim)

    # several views per sample (paired time crops): one view per sample and epoch, student-side augmentation
    from imuhar.augment import Compose, Jitter, Scaling
    model = Comodo(teacher=teacher, augmentation=Compose([Scaling(sigma=0.1), Jitter(sigma=0.05)]))
    model.fit(crop_windows, teacher_inputs=crop_clips, views_of=trial_of_each_crop)

    # before distilling: does the teacher's distribution sit on the same subject's clips? (training data only)
    from imuhar.methods.comodo import teacher_neighbourhoods
    teacher_neighbourhoods(teacher_z, train_labels, train_subjects, temperature=0.1)

Importing this subpackage imports torch (``import imuhar`` does not).
"""

from ._crops import paired_time_crops
from ._diagnostics import teacher_neighbourhoods
from ._evaluate import PAPER_C_GRID, SVMProtocolResult, svm_protocol, top_k_accuracy
from ._features import SegmentStatistics
from ._loss import InstanceQueue, comodo_loss, info_nce_alignment_loss, l2_distillation_loss
from ._method import Comodo
from ._pairs import distill_pairs, imu_windows
from ._student import DistillationStudent, ProjectionHead, build_student
from ._teachers import (
    ModuleTeacher,
    PrecomputedTeacher,
    Teacher,
    VideoTeacher,
    load_teacher_embeddings,
    random_projection_mlp,
    save_teacher_embeddings,
)
from ._train import (
    OBJECTIVES,
    DistillationHistory,
    distill,
    linear_warmup_decay,
    recalibrate_batchnorm,
    train_supervised,
)

__all__ = [
    "Comodo",
    "DistillationHistory",
    "DistillationStudent",
    "InstanceQueue",
    "ModuleTeacher",
    "OBJECTIVES",
    "PAPER_C_GRID",
    "PrecomputedTeacher",
    "ProjectionHead",
    "SVMProtocolResult",
    "SegmentStatistics",
    "Teacher",
    "VideoTeacher",
    "build_student",
    "comodo_loss",
    "distill",
    "distill_pairs",
    "imu_windows",
    "info_nce_alignment_loss",
    "l2_distillation_loss",
    "linear_warmup_decay",
    "load_teacher_embeddings",
    "paired_time_crops",
    "random_projection_mlp",
    "recalibrate_batchnorm",
    "save_teacher_embeddings",
    "svm_protocol",
    "teacher_neighbourhoods",
    "top_k_accuracy",
    "train_supervised",
]
