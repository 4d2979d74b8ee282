"""The warm path: a per-user server that has already imported vsh and forks a
worker per command, and the lean client that hands it each command line.

``client`` is the ``vsh`` entry point; ``server`` and ``worker`` run in the
server process; ``paths`` and ``wire`` are shared by both sides.  The client
imports only the standard library's C modules and these two before it knows
whether it can use the server.
"""
