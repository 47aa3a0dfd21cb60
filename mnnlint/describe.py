"""A model's summary as plain data: what `mnnlint inspect` shows and emits as JSON."""

from __future__ import annotations

from typing import Any

from .graph import subgraph_depths
from .model import Model


def describe(model: Model) -> dict[str, Any]:
    histogram = model.type_histogram()
    depths = subgraph_depths(model) if model.subgraphs else {}
    externals = sorted({op.type_label for op in model.all_ops() if op.external})
    return {
        "path": model.path,
        "file_size": model.file_size,
        "source": model.source,
        "converter_version": model.converter_version,
        "biz_code": model.biz_code,
        "uuid": model.uuid,
        "prefer_forward_type": model.prefer_forward_type,
        "usage": model.usage,
        "op_count": model.op_count(),
        "tensor_count": len(model.tensors),
        "outputs": list(model.output_names),
        "op_types": dict(sorted(histogram.items(), key=lambda kv: (-kv[1], kv[0]))),
        "unknown_op_type_ids": sorted({op.type_id for op in model.all_ops() if op.type_name is None}),
        "subgraphs": [
            {"name": name, "op_count": len(sub.ops), "depth": depths.get(name),
             "called_by": [f"{g or 'main'}/op[{i}]" for g, i in sub.owners]}
            for name, sub in model.subgraphs.items()
        ],
        "external_weights": None if not model.weight_file else {
            "file": model.weight_file, "bytes_needed": model.weight_bytes_needed, "op_types": externals,
        },
        "llm": None if model.llm is None else {
            "config": model.llm.path, "backend_type": model.llm.backend_type,
            "precision": model.llm.precision, "memory": model.llm.memory,
        },
    }
