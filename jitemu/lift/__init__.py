"""The ARM front end: capstone decoding and lift functions producing jitemu IR.

Importing this package registers every lift function (``jitemu.lift.arm``).  The front end never imports
llvmlite; its only output is ``jitemu.ir.Block``.
"""
