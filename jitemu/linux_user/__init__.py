"""Linux user mode: run one ARM Linux program as a host process (the ``jitemu-user`` command).

This package is the "world" a CPU lives in when it runs a Linux program:

- loading: ``loader`` (ELF files), ``stack`` (argv/envp/auxv), ``kuser`` (the kuser helper page),
  ``layout`` (where everything goes), ``cpus`` (what ``-cpu`` models tell the guest);
- system calls: ``syscalls`` (the one table and the implementations), ``syscall_names`` (ARM EABI
  numbers), ``abi`` (ARM constants and structure layouts), ``strace`` (``-strace`` formatting);
- the process: ``process`` (shared state and the run loop), ``signals`` (dispositions, pending signals);
- the command: ``main`` (``jitemu-user``).

It drives the CPU only through ``jitemu.engine.Engine`` and the events it returns.
"""
