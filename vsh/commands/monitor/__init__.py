"""Domain monitoring (virsh's "monitor" group, tools/virsh-domain-monitor.c),
one module per topic: state and information, the domain list, block devices,
network interfaces, memory statistics, domstats.

The modules never import each other: what they share lives in
:mod:`vsh.commands.common`, :mod:`vsh.virt` and :mod:`vsh.output`.
"""
