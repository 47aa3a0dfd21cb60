"""`mnnlint crosscheck`: compare mnnlint's predictions with a real MNN runtime on the same models.

probe.py runs models in child processes and records what MNN printed or how it died;
runtime.py learns the release and build of the runtime under test; compare.py sets the
two side by side; report.py prints the table; cli.py wires them to the command line.
"""
