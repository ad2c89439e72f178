"""Helpers for the tests (and benchmarks) that start real processes and talk to
them over real sockets: ports, process groups, waiting, HTML forms, signing in to
the admin over HTTP, and databases of a suite's own.

Nothing here imports Django, so bench/ scripts can use it before settings exist.
"""
