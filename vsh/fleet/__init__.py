"""Fleet mode (``vsh -H SPEC ...``): one command over many hosts.

Pure pieces (host sets, the hosts file, output shaping) and the runner that
starts one vsh per host.  Imports only core and output: the per-host work is
done by separate vsh processes, never by libvirt in this process.
"""
