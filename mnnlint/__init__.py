"""mnnlint: find the ops of an MNN model that its target backend will not run."""

__version__ = "0.1.0"
