"""Plain data for `mnnlint inspect` and `mnnlint targets`: what their text and JSON show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .graph import subgraph_depths
from .model import Model

if TYPE_CHECKING:
    from .capabilities import Capabilities


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


def targets(caps: Capabilities, releases: Sequence[str], backend: str | None, profile: str) -> dict[str, Any]:
    """What `mnnlint targets` shows, as plain data.

    Without a backend: every backend of each release and how many op types it
    registers. With one: each op type's status on it in the `profile` build. A name
    that stands for several backend tables (`opencl`: buffer and image; `vulkan`: the
    mode the build picks) lists each of them, as a check on that name would.
    """
    from .capabilities.backends import expand_target
    from .capabilities.support import Status, decide
    from .engine import build_for

    if backend is None:
        rows = []
        for release in releases:
            table = caps.release(release)
            for b in table.backend_ids:
                rows.append({"release": release, "commit": table.commit, "backend": b,
                             "registered_op_types": len(table.backend(b).get("ops", {}))})
        return {"releases": list(caps.releases), "backends": rows}
    rows = []
    for release in releases:
        table = caps.release(release)
        build = table.build(profile, {})
        for b in expand_target(backend, build, set(table.backend_ids)):
            if not table.has_backend(b):
                continue
            target_build = build_for(table, profile, {}, b)  # with the backend's own switch ON
            verdicts = {op_type: decide(table, b, op_type, target_build).status.value
                        for op_type in sorted(table.op_types)}
            rows.append({"release": release, "commit": table.commit, "backend": b, "op_types": verdicts})
    return {"backend": backend, "profile": profile, "releases": list(releases),
            "runs": [Status.SUPPORTED.value, Status.DECOMPOSED.value], "backends": rows}
