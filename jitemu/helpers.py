"""Helpers: guest semantics too awkward for straight IR, called through the CALL op.

One registry: name -> (Python implementation, result width, argument widths).  The interpreter calls the
Python function; the LLVM backend calls the same function (or its own lowering where it has one).
Helpers are pure: values in, one value out; lifters write the results to guest state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Helper:
    name: str
    fn: Callable[..., int]
    ret_width: int
    arg_widths: tuple[int, ...]


HELPERS: dict[str, Helper] = {}


def helper(ret_width: int, *arg_widths: int) -> Callable[[Callable[..., int]], Callable[..., int]]:
    def deco(fn: Callable[..., int]) -> Callable[..., int]:
        name = fn.__name__.removeprefix("helper_")
        HELPERS[name] = Helper(name, fn, ret_width, arg_widths)
        return fn

    return deco
