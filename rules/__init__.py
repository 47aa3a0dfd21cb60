"""mnnlint's built-in rules."""
