"""Generator of mnnlint's capability tables from MNN's git history."""
