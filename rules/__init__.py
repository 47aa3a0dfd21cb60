"""mnnlint's built-in rules, one per module; each class documents itself."""

from __future__ import annotations

from mnnlint.rule import Rule


def get_rules() -> list[type[Rule]]:
    """Every built-in rule. Imported on call so `mnnlint --version` stays fast."""
    from .backend_unavailable import BackendUnavailable
    from .binary_op_8bit import BinaryOp8Bit
    from .build_option_assumed import BuildOptionAssumed
    from .creator_refuses_params import CreatorRefusesParams
    from .fused_op_unsupported import FusedOpUnsupported
    from .matmul_1d import MatMul1D
    from .op_falls_back import OpFallsBack
    from .op_type_unknown import OpTypeUnknown
    from .op_unrunnable import OpUnrunnable
    from .pool3d_missing_vectors import Pool3DMissingVectors
    from .pool_zero_stride import PoolZeroStride
    from .suppression_unused import SuppressionUnused
    from .weight_file_missing import WeightFileMissing
    from .weights_missing import WeightsMissing

    return [OpFallsBack, FusedOpUnsupported, OpUnrunnable, BackendUnavailable, BuildOptionAssumed, OpTypeUnknown,
            PoolZeroStride, SuppressionUnused, WeightFileMissing, CreatorRefusesParams, Pool3DMissingVectors,
            MatMul1D, WeightsMissing, BinaryOp8Bit]
