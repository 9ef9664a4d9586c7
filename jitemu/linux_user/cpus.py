"""The CPU models ``-cpu`` accepts, and what each tells the guest about itself.

A model fixes the hardware capability bits (``AT_HWCAP``/``AT_HWCAP2``), ``AT_PLATFORM`` and the
``uname`` machine.  Every model describes the ARMv7-A core jitemu implements (Cortex-A15 features
without ThumbEE); advertising ARMv8 AArch32 extensions would make libraries use instructions we do
not emulate.  Bit values are those of Linux's arch/arm/include/uapi/asm/hwcap.h.
"""

from __future__ import annotations

from dataclasses import dataclass

HWCAP_BITS = {
    "swp": 1 << 0,
    "half": 1 << 1,
    "thumb": 1 << 2,
    "26bit": 1 << 3,
    "fastmult": 1 << 4,
    "fpa": 1 << 5,
    "vfp": 1 << 6,
    "edsp": 1 << 7,
    "java": 1 << 8,
    "iwmmxt": 1 << 9,
    "crunch": 1 << 10,
    "thumbee": 1 << 11,
    "neon": 1 << 12,
    "vfpv3": 1 << 13,
    "vfpv3d16": 1 << 14,
    "tls": 1 << 15,
    "vfpv4": 1 << 16,
    "idiva": 1 << 17,
    "idivt": 1 << 18,
    "vfpd32": 1 << 19,
    "lpae": 1 << 20,
    "evtstrm": 1 << 21,
}


def hwcap_value(names: str) -> int:
    """The AT_HWCAP word for space-separated feature names as /proc/cpuinfo prints them."""
    value = 0
    for name in names.split():
        value |= HWCAP_BITS[name]
    return value


@dataclass(frozen=True, slots=True)
class CpuModel:
    name: str
    description: str
    hwcap: int
    hwcap2: int = 0
    platform: str = "v7l"  # AT_PLATFORM
    machine: str = "armv7l"  # uname -m
    # optional features the lifter checks (``LiftCtx.require``): the HWCAP names plus "fp16" (VCVTB/VCVTT
    # half-precision conversions, MVFR1.FPHP, which has no HWCAP bit)
    features: frozenset[str] = frozenset()


def _model(name: str, description: str, features: str) -> CpuModel:
    hw = " ".join(f for f in features.split() if f in HWCAP_BITS)
    return CpuModel(name, description, hwcap_value(hw), features=frozenset(features.split()))


_CORTEX_A15_FEATURES = "swp half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae fp16"
_CORTEX_A9_FEATURES = "swp half thumb fastmult vfp edsp neon vfpv3 tls vfpd32 fp16"
_CORTEX_A8_FEATURES = "swp half thumb fastmult vfp edsp neon vfpv3 tls vfpd32"

MODELS: dict[str, CpuModel] = {
    m.name: m
    for m in (
        _model("cortex-a15", "ARMv7-A Cortex-A15: VFPv4, NEON, integer divide", _CORTEX_A15_FEATURES),
        _model("cortex-a7", "ARMv7-A Cortex-A7: VFPv4, NEON, integer divide", _CORTEX_A15_FEATURES),
        _model("cortex-a9", "ARMv7-A Cortex-A9: VFPv3 (half precision), NEON, no divide", _CORTEX_A9_FEATURES),
        _model("cortex-a8", "ARMv7-A Cortex-A8: VFPv3, NEON, no integer divide", _CORTEX_A8_FEATURES),
        _model("max", "everything jitemu implements (same as cortex-a15)", _CORTEX_A15_FEATURES),
        _model("any", "same as max", _CORTEX_A15_FEATURES),
    )
}
DEFAULT_MODEL = "max"


def lookup(name: str) -> CpuModel:
    """The model called ``name`` (KeyError if there is none)."""
    return MODELS[name.lower()]


def help_text() -> str:
    lines = ["Available CPUs:"]
    lines += [f"  {m.name:<12}{m.description}" for m in MODELS.values()]
    return "\n".join(lines)
