"""The ``jitemu-user`` command: qemu-arm's command line, environment variables and exit behaviour.

``jitemu-user [OPTIONS] arm [OPTIONS] PROGRAM [ARGS...]`` runs an ARM Linux program.  Options take a
single dash like qemu's (two are accepted); everything after PROGRAM belongs to the guest.  The guest
ends the way the program would on Linux: its exit status, or death by the same signal (a fault prints
``jitemu: uncaught target signal 11 (Segmentation fault) - core dumped`` first, as qemu-arm does).
Mistakes the user can make are one ``jitemu-user: ...`` line and exit status 1; a bug in jitemu is one
``internal error`` line and status 70 (``JITEMU_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import ctypes
import gc
import os
import random
import resource
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jitemu import __version__, log
from jitemu.diskcache import default_dir as default_cache_dir
from jitemu.linux_user import cpus, layout
from jitemu.linux_user.loader import LoadError, load_program
from jitemu.linux_user.process import Outcome, Process
from jitemu.linux_user.signals import NSIG, SIG_IGN, SigAction, signal_description
from jitemu.memory import NPAGES, PAGE_SHIFT, PROT_EXEC, PROT_READ, PROT_RWX, PROT_WRITE, GuestMemory
from jitemu.state import CPUState
from jitemu.tuning import JIT_THRESHOLD

PROG = "jitemu-user"
ENGINES = ("interp", "jit")
DEFAULT_ENGINE = "jit"
EXIT_USAGE = 1
EXIT_INTERNAL = 70  # EX_SOFTWARE
GC_THRESHOLD = 20000  # allocations between young-generation collections (Python's default: 700)
OTHER_ARCHES = {"aarch64", "arm64", "armeb", "i386", "x86_64", "mips", "mipsel", "ppc", "riscv64", "riscv32"}

USAGE = f"""\
usage: {PROG} [options] arm program [arguments...]
Run an ARM (EABI, little-endian) Linux program.

Options and the environment variables that set them:
-h, -help                        print this help and exit
-version                         print the version and exit
-engine interp|jit   JITEMU_ENGINE    execution engine (default {DEFAULT_ENGINE})
-cpu model           QEMU_CPU         CPU model (-cpu help lists them)
-E var=value         QEMU_SET_ENV     set a variable in the guest environment (QEMU_SET_ENV: comma list)
-U var               QEMU_UNSET_ENV   remove a variable from the guest environment
-0 argv0             QEMU_ARGV0       the guest's argv[0] (default: the program path)
-L path              QEMU_LD_PREFIX   guest root for the ELF interpreter
-s size              QEMU_STACK_SIZE  stack size, with k/M/G suffix (default 8M)
-r release           QEMU_UNAME       uname release reported to the guest
-seed number         QEMU_RAND_SEED   make AT_RANDOM and getrandom reproducible
-jit-threshold n     JITEMU_JIT_THRESHOLD  interpreted runs of a block before it is compiled (default {JIT_THRESHOLD})
-jit-cache dir|off   JITEMU_CACHE_DIR persistent code cache (default $XDG_CACHE_HOME/jitemu)
-jit-background      JITEMU_JIT_BACKGROUND  compile on a background thread
-exec-signals i:b                      (set by a guest execve) signals ignored and blocked at start
-exec-env-fd fd                        (set by a guest execve) read the guest environment from fd
-strace              QEMU_STRACE      log system calls
-d item[,...]        QEMU_LOG         enable logging (-d help lists the items)
-D logfile           QEMU_LOG_FILENAME write logs to logfile instead of stderr
"""


class UsageError(Exception):
    """A mistake on the command line or in the environment: one line for the user."""


class InfoRequest(Exception):
    """-help, -version, -cpu help, -d help: print ``text`` and exit 0."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


@dataclass
class Options:
    program: str = ""
    args: list[str] = field(default_factory=list)
    engine: str = DEFAULT_ENGINE
    cpu: str = cpus.DEFAULT_MODEL
    env_changes: list[tuple[str, str]] = field(default_factory=list)  # ("set", "VAR=VALUE") / ("unset", "VAR")
    argv0: str | None = None
    ld_prefix: str | None = None
    stack_size: int = layout.DEFAULT_STACK_SIZE
    uname_release: str | None = None
    seed: int | None = None
    strace: bool = False
    log_items: set[str] = field(default_factory=set)
    log_file: str | None = None
    jit_threshold: int = JIT_THRESHOLD
    jit_cache: str | None = None  # None: the default place; "off": no cache
    jit_background: bool = False
    exec_signals: tuple[int, int] = (0, 0)  # -exec-signals: ignored signals and mask inherited over execve
    exec_env: list[bytes] | None = None  # -exec-env-fd: the environment a guest execve passed, exactly


def parse_size(text: str) -> int:
    """``8M``, ``512k``, ``1G`` or plain bytes (decimal or 0x hex)."""
    scale = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(text[-1:].lower(), 1)
    digits = text[:-1] if scale > 1 else text
    try:
        value = int(digits, 0) * scale
    except ValueError:
        raise UsageError(f"invalid size '{text}'") from None
    return value


def _set_stack(o: Options, v: str) -> None:
    size = parse_size(v)
    if not 16 << 10 <= size <= 1 << 30:
        raise UsageError(f"stack size '{v}' must be between 16k and 1G")
    o.stack_size = size


def _set_engine(o: Options, v: str) -> None:
    if v not in ENGINES:
        raise UsageError(f"unknown engine '{v}' (choose {' or '.join(ENGINES)})")
    o.engine = v


def _set_cpu(o: Options, v: str) -> None:
    if v == "help":
        raise InfoRequest(cpus.help_text())
    try:
        cpus.lookup(v)
    except KeyError:
        raise UsageError(f"unable to find CPU model '{v}' (-cpu help lists them)") from None
    o.cpu = v


def _set_log(o: Options, v: str) -> None:
    if v == "help":
        raise InfoRequest(log.help_text())
    try:
        o.log_items |= log.parse_items(v)
    except ValueError as e:
        raise UsageError(f"{e} (-d help lists them)") from None


def _set_env(o: Options, v: str) -> None:
    if "=" not in v or v.startswith("="):
        raise UsageError(f"invalid environment setting '{v}' (expected VAR=VALUE)")
    o.env_changes.append(("set", v))


def _set_seed(o: Options, v: str) -> None:
    try:
        o.seed = int(v, 0)
    except ValueError:
        raise UsageError(f"invalid seed '{v}'") from None


def _set_threshold(o: Options, v: str) -> None:
    try:
        o.jit_threshold = int(v, 0)
    except ValueError:
        raise UsageError(f"invalid JIT threshold '{v}'") from None
    if o.jit_threshold < 1:
        raise UsageError(f"invalid JIT threshold '{v}' (at least 1)")


def _set_exec_signals(o: Options, v: str) -> None:
    try:
        ignored, blocked = (int(x, 0) for x in v.split(":"))
    except ValueError:
        raise UsageError(f"invalid signal state '{v}' (expected IGNORED:BLOCKED)") from None
    o.exec_signals = (ignored, blocked)


def _read_exec_env(o: Options, v: str) -> None:
    """The environment strings (NUL-terminated) in file descriptor ``v``, which is then closed."""
    try:
        fd = int(v)
        with os.fdopen(fd, "rb") as f:
            data = f.read()
    except (ValueError, OSError) as e:
        raise UsageError(f"cannot read the environment from descriptor '{v}': {e}") from None
    o.exec_env = data.split(b"\0")[:-1]


def _help(o: Options, v: str) -> None:
    raise InfoRequest(USAGE)


def _version(o: Options, v: str) -> None:
    raise InfoRequest(f"{PROG} version {__version__} (ARM Linux user mode; command line compatible with qemu-arm)")


# name -> (takes an argument, what to do with it, environment variable that sets it)
OPTIONS = {
    "h": (False, _help, None),
    "help": (False, _help, None),
    "version": (False, _version, None),
    "engine": (True, _set_engine, "JITEMU_ENGINE"),
    "cpu": (True, _set_cpu, "QEMU_CPU"),
    "E": (True, _set_env, None),  # QEMU_SET_ENV is a comma list, handled below
    "U": (True, lambda o, v: o.env_changes.append(("unset", v)), None),
    "0": (True, lambda o, v: setattr(o, "argv0", v), "QEMU_ARGV0"),
    "L": (True, lambda o, v: setattr(o, "ld_prefix", v), "QEMU_LD_PREFIX"),
    "s": (True, _set_stack, "QEMU_STACK_SIZE"),
    "r": (True, lambda o, v: setattr(o, "uname_release", v), "QEMU_UNAME"),
    "seed": (True, _set_seed, "QEMU_RAND_SEED"),
    "jit-threshold": (True, _set_threshold, "JITEMU_JIT_THRESHOLD"),
    "jit-cache": (True, lambda o, v: setattr(o, "jit_cache", v), "JITEMU_CACHE_DIR"),
    "jit-background": (False, lambda o, v: setattr(o, "jit_background", True), "JITEMU_JIT_BACKGROUND"),
    "exec-signals": (True, _set_exec_signals, None),
    "exec-env-fd": (True, _read_exec_env, None),
    "strace": (False, lambda o, v: setattr(o, "strace", True), "QEMU_STRACE"),
    "d": (True, _set_log, "QEMU_LOG"),
    "D": (True, lambda o, v: setattr(o, "log_file", v), "QEMU_LOG_FILENAME"),
}


def _from_environment(o: Options, environ: Mapping[str, str]) -> None:
    for takes_arg, apply, var in OPTIONS.values():
        if var and var in environ:
            try:
                apply(o, environ[var] if takes_arg else "")
            except UsageError as e:
                raise UsageError(f"{var}: {e}") from None
    for item in filter(None, environ.get("QEMU_SET_ENV", "").split(",")):
        _set_env(o, item)
    for item in filter(None, environ.get("QEMU_UNSET_ENV", "").split(",")):
        o.env_changes.append(("unset", item))


def parse_args(argv: list[str], environ: Mapping[str, str] | None = None) -> Options:
    """Options from the environment, then the command line (which wins)."""
    o = Options()
    _from_environment(o, os.environ if environ is None else environ)
    arch_seen = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            if i >= len(argv):
                break
            arg, i, positional = argv[i], i + 1, True
        else:
            positional = not arg.startswith("-") or arg == "-"
        if not positional:
            name = arg[2:] if arg.startswith("--") else arg[1:]
            if name not in OPTIONS:
                raise UsageError(f"unknown option '{arg}' (try -help)")
            takes_arg, apply, _ = OPTIONS[name]
            value = ""
            if takes_arg:
                if i >= len(argv):
                    raise UsageError(f"option '{arg}' needs an argument")
                value, i = argv[i], i + 1
            apply(o, value)
            continue
        if not arch_seen and arg == "arm":
            arch_seen = True
            continue
        if not arch_seen and arg in OTHER_ARCHES and not os.path.exists(arg):
            raise UsageError(f"unsupported guest architecture '{arg}' (only arm)")
        o.program, o.args = arg, argv[i:]
        return o
    raise UsageError("no program given (usage: jitemu-user [options] arm program [arguments...])")


def guest_environment(o: Options, host: Mapping[bytes, bytes]) -> list[bytes]:
    env = dict(host)
    for what, item in o.env_changes:
        if what == "set":
            key, _, value = os.fsencode(item).partition(b"=")
            env[key] = value
        else:
            env.pop(os.fsencode(item), None)
    return [k + b"=" + v for k, v in env.items()]


# ---- running -------------------------------------------------------------------------------------------
def _print_info(text: str) -> None:
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. ``jitemu-user -h | head -1``: say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _error(msg: str) -> None:
    sys.stdout.flush()
    sys.stderr.write(f"{PROG}: {msg}\n")
    sys.stderr.flush()


def format_page_layout(mem: GuestMemory) -> str:
    """The guest mappings as qemu's ``-d page`` prints them: start, end, size, protection."""
    lines = ["start    end      size     prot"]
    perms = mem.perms
    pg = 0
    while pg < NPAGES:
        prot = perms[pg] & PROT_RWX
        run = pg + 1
        while run < NPAGES and perms[run] & PROT_RWX == prot:
            run += 1
        if prot:
            start, end = pg << PAGE_SHIFT, run << PAGE_SHIFT
            flags = "".join(c if prot & b else "-" for c, b in (("r", PROT_READ), ("w", PROT_WRITE), ("x", PROT_EXEC)))
            lines.append(f"{start:08x}-{end:08x} {end - start:08x} {flags}")
        pg = run
    return "\n".join(lines) + "\n"


def run(o: Options) -> Outcome:
    """Load and run the program described by ``o``; return how it ended."""
    try:
        log.configure(o.log_items | ({"strace"} if o.strace else set()), o.log_file)
    except OSError as e:
        raise UsageError(f"cannot open log file {o.log_file}: {e.strerror}") from None
    cpu = cpus.lookup(o.cpu)
    mem = GuestMemory()
    state = CPUState()
    argv = [os.fsencode(o.argv0 if o.argv0 is not None else o.program)] + [os.fsencode(a) for a in o.args]
    envp = guest_environment(o, os.environb) if o.exec_env is None else o.exec_env
    rng = random.Random(o.seed) if o.seed is not None else None
    program = load_program(mem, o.program, argv, envp, cpu=cpu, stack_size=o.stack_size, ld_prefix=o.ld_prefix,
                           random_bytes=rng.randbytes(16) if rng else None)  # fmt: skip
    if log.enabled("page"):
        log.write(format_page_layout(mem))
    proc = Process(mem, state, program, cpu=cpu, uname_release=o.uname_release, ld_prefix=o.ld_prefix, rng=rng)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # ^C ends the guest as it would end the program
    if o.jit_cache is None:
        cache_dir = default_cache_dir()
    else:
        cache_dir = None if o.jit_cache == "off" else Path(o.jit_cache)
    ignored, blocked = o.exec_signals
    for sig in range(1, NSIG + 1):
        if ignored >> (sig - 1) & 1:
            proc.signals.set_action(sig, SigAction(handler=SIG_IGN))
    proc.signals.set_blocked(blocked)
    proc.exec_options = exec_options(o, cache_dir)
    sync = bool(os.environ.get("JITEMU_CACHE_SYNC"))  # write caches before exiting (tests read them next)
    outcome = proc.run(o.engine, jit_threshold=o.jit_threshold, cache_dir=cache_dir, cpu_model=cpu.name,
                       jit_background=o.jit_background, cache_detach=not sync, cpu_features=cpu.features)  # fmt: skip
    if log.enabled("stats"):
        log.write(proc.engine.format_stats())
    if proc.threads:  # exit_group while other guest threads run: they end with us, now
        hard_exit(finish(outcome))
    return outcome


def exec_options(o: Options, cache_dir: Path | None) -> list[str]:
    """The options a guest execve of an ARM program passes on to the new jitemu: everything but the
    program, its arguments and environment (paths made absolute: the guest may change directory)."""
    out = ["-engine", o.engine, "-cpu", o.cpu, "-s", str(o.stack_size), "-jit-threshold", str(o.jit_threshold),
           "-jit-cache", str(cache_dir.absolute()) if cache_dir else "off"]  # fmt: skip
    if o.ld_prefix:
        out += ["-L", os.path.abspath(o.ld_prefix)]
    if o.uname_release is not None:
        out += ["-r", o.uname_release]
    if o.seed is not None:
        out += ["-seed", str(o.seed)]
    if o.jit_background:
        out.append("-jit-background")
    if o.strace:
        out.append("-strace")
    if o.log_items:
        out += ["-d", ",".join(sorted(o.log_items))]
    if o.log_file:
        out += ["-D", os.path.abspath(o.log_file)]
    return out


def die_by_signal(sig: int) -> None:
    """End the host process with ``sig``, as the guest died (no core file: it would be the emulator's)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (OSError, ValueError):
        pass
    try:
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            _set_default(sig)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        signal.pthread_kill(threading.get_ident(), sig)  # this thread: others may block it (guest threads)
    except (OSError, ValueError):
        pass
    os._exit(128 + sig)  # only if the signal did not end us


def _set_default(sig: int) -> None:
    """SIG_DFL for ``sig``, from any thread (Python's signal.signal works in the main thread only)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.signal.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.signal.restype = ctypes.c_void_p
    libc.signal(sig, None)


def finish(outcome: Outcome) -> int:
    """Turn the guest's end into ours: return the exit status, or die by the guest's signal."""
    if outcome.signal is not None:
        if outcome.core:
            name = signal_description(outcome.signal)
            sys.stderr.write(f"jitemu: uncaught target signal {outcome.signal} ({name}) - core dumped\n")
        die_by_signal(outcome.signal)
    if outcome.halted:
        raise RuntimeError("the engine halted without the guest exiting")
    sys.stdout.flush()
    return outcome.status or 0


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """``environ``: where options come from besides the command line (default: our environment).  Without
    ``argv`` this is the ``jitemu-user`` command, and the process is the guest's: see ``own_process``."""
    if argv is None:
        return own_process(lambda: _main(sys.argv[1:], environ))
    return _main(argv, environ)


def own_process(body: Callable[[], int]) -> int:
    """Run ``body``, the whole life of this process, and end the process with the status it returns.

    Python's cyclic garbage collector cost a short run about a fifth of its time for nothing: what a run
    allocates (IR, prepared blocks, capstone's instructions) holds no garbage cycles, yet collections kept
    walking it as it grew, and the collection at interpreter shutdown walked all of it again to free memory
    the OS takes back anyway.  So everything loaded so far is frozen (never walked again), young objects are
    collected less often (cycles are still collected: a long run's memory stays bounded), and the process
    ends with the guest (``hard_exit``: logs and streams flushed, no interpreter shutdown)."""
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    hard_exit(body())
    return EXIT_INTERNAL  # not reached


def _main(argv: list[str], environ: Mapping[str, str] | None) -> int:
    try:
        opts = parse_args(argv, environ)
    except InfoRequest as info:
        _print_info(info.text)
        return 0
    except UsageError as e:
        _error(str(e))
        return EXIT_USAGE
    try:
        return finish(run(opts))
    except LoadError as e:
        _error(f"{opts.program}: {e}")
        return EXIT_USAGE
    except UsageError as e:
        _error(str(e))
        return EXIT_USAGE
    except Exception as e:  # noqa: BLE001 - a bug in jitemu: one line, unless debugging
        internal_error(e, exit_now=False)
        return EXIT_INTERNAL


def internal_error(e: BaseException, exit_now: bool = True) -> None:
    """A bug in jitemu: one line (a traceback with JITEMU_DEBUG set); ``exit_now`` ends the process (from a
    guest thread other than the main one)."""
    if os.environ.get("JITEMU_DEBUG"):
        import traceback  # noqa: PLC0415 - only for a bug, and importing it costs every start

        traceback.print_exception(e)
    _error(f"internal error: {type(e).__name__}: {e}")
    if exit_now:
        hard_exit(EXIT_INTERNAL)


def hard_exit(status: int) -> None:
    """End the process now, without waiting for guest threads (they may be running generated code, which
    must not outlive the interpreter's shutdown)."""
    log.flush()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


def exec_main() -> int:
    """The entry point of a jitemu started by a guest's execve (``syscalls.execve``): all options are on the
    command line, and the environment is the guest's, passed on unchanged and never read as options."""
    return own_process(lambda: _main(sys.argv[1:], environ={}))


if __name__ == "__main__":
    sys.exit(main())
