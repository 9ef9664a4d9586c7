"""LLVM IR as text, built directly: the subset of ``llvmlite.ir`` that the JIT's lowering uses.

The lowering (``codegen/llvm.py``, ``llvm_vec.py``, ``llvm_vecfp.py``) only ever needs the module's text
(``LLVMCompiler`` parses it), but ``llvmlite.ir`` builds an object graph first - name deduplication, operand
checks, one object per instruction - and formats it afterwards: about 30 us per instruction, a third of the
JIT's compile time.  Here each builder call appends its instruction's finished line to its basic block and
returns a small value holding its type and its reference text (``%".12"``, or a constant's text); unnamed
values are numbered by a per-function counter; ``str(module)`` joins the lines.  Only what must change after
it is emitted stays an object until then: phis (``add_incoming``), switches (``add_case``) and terminators
(``set_metadata``).

Class, method and argument names are llvmlite's, so the lowering modules switch by their import, and the text
is the one llvmlite emits for the same calls (same names and spelling; ``tests/codegen/test_irtext.py``
compares them).  Pointers are typed (``i8*``), as llvmlite's IR layer writes them.  There is no checking
beyond what the lowering needs: LLVM's parser and verifier see every module.
"""

from __future__ import annotations

import contextlib
import re
import struct
from collections.abc import Iterator

# ---- types -------------------------------------------------------------------------------------------


class Type:
    """A type: ``text`` is its spelling in IR.  Types are interned (one object per class and arguments,
    made by ``_init``), so making one again is a dictionary look-up; equal types have equal text."""

    __slots__ = ("text", "_ptr")
    null, undef = "zeroinitializer", "undef"  # the texts of Constant(type, None) and Constant(type, Undefined)
    _interned: dict[tuple, Type] = {}

    def __new__(cls, *args):
        key = (cls, *args)
        t = Type._interned.get(key)
        if t is None:
            t = Type._interned[key] = object.__new__(cls)
            t._ptr = None
            t._init(*args)
        return t

    def _init(self, *args) -> None:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<irtext type {self.text}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Type) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def as_pointer(self) -> PointerType:
        if self._ptr is None:
            self._ptr = PointerType(self)
        return self._ptr

    def format_constant(self, value) -> str:
        return str(value)


class IntType(Type):
    __slots__ = ("width",)
    null = "0"

    def _init(self, width: int) -> None:
        self.width, self.text = width, f"i{width}"

    def format_constant(self, value) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)


def _hex_double(value: float) -> str:
    """A floating-point constant as llvmlite writes it: the IEEE double's bits in hex (padded to 16
    characters with spaces)."""
    return f"{struct.unpack('<Q', struct.pack('<d', value))[0]:#16x}"


class FloatType(Type):
    __slots__ = ()
    null = "0.0"

    def _init(self) -> None:
        self.text = "float"

    def format_constant(self, value) -> str:  # rounded to single precision first
        return _hex_double(struct.unpack("<f", struct.pack("<f", value))[0])


class DoubleType(Type):
    __slots__ = ()
    null = "0.0"

    def _init(self) -> None:
        self.text = "double"

    def format_constant(self, value) -> str:
        return _hex_double(value)


class _Sequence(Type):
    """Vectors and arrays: ``count`` elements of type ``element``; constants from a list (or one value)."""

    __slots__ = ("element", "count")
    brackets = "<>"

    def _init(self, element: Type, count: int) -> None:
        self.element, self.count = element, count
        self.text = f"{self.brackets[0]}{count} x {element.text}{self.brackets[1]}"

    def format_constant(self, value) -> str:
        items = value if isinstance(value, (list, tuple)) else [value] * self.count
        el = self.element
        parts = (str(x) if isinstance(x, Constant) else f"{el.text} {el.format_constant(x)}" for x in items)
        return f"{self.brackets[0]}{', '.join(parts)}{self.brackets[1]}"


class VectorType(_Sequence):
    """A vector's zero and undefined constants are written lane by lane."""

    __slots__ = ("null", "undef")

    def _init(self, element: Type, count: int) -> None:
        super()._init(element, count)
        self.null, self.undef = (self.format_constant(Constant(element, x)) for x in (None, Undefined))


class ArrayType(_Sequence):
    __slots__ = ()
    brackets = "[]"


class PointerType(Type):
    __slots__ = ("pointee",)
    null = "null"

    def _init(self, pointee: Type) -> None:
        self.pointee, self.text = pointee, f"{pointee.text}*"


class FunctionType(Type):
    __slots__ = ("return_type", "args")

    def __new__(cls, return_type: Type, args) -> FunctionType:
        return super().__new__(cls, return_type, tuple(args))

    def _init(self, return_type: Type, args: tuple) -> None:
        self.return_type, self.args = return_type, args
        self.text = f"{return_type.text} ({', '.join(a.text for a in args)})"


class _StructType(Type):
    """A literal struct (cmpxchg's result)."""

    __slots__ = ("elements",)

    def _init(self, *elements: Type) -> None:
        self.elements = elements
        self.text = f"{{{', '.join(e.text for e in self.elements)}}}"


class _NamedType(Type):
    """label, metadata."""

    __slots__ = ()

    def _init(self, text: str) -> None:
        self.text = text


LABEL, METADATA = _NamedType("label"), _NamedType("metadata")


# ---- values ------------------------------------------------------------------------------------------


class Value:
    """A value: its ``type`` and the text that refers to it (``ref``)."""

    __slots__ = ("type", "ref")

    def __init__(self, typ: Type, ref: str):
        self.type, self.ref = typ, ref

    def __str__(self) -> str:
        return f"{self.type.text} {self.ref}"

    def get_reference(self) -> str:
        return self.ref


class _UndefinedType:
    """``Undefined``: the value of ``Constant(type, Undefined)`` is ``undef``."""


Undefined = _UndefinedType()


class Constant(Value):
    __slots__ = ("constant",)

    def __init__(self, typ: Type, constant):
        self.type, self.constant = typ, constant
        if constant is None:
            self.ref = typ.null
        elif constant is Undefined:
            self.ref = typ.undef
        else:
            self.ref = typ.format_constant(constant)


class _Instruction(Value):
    """An instruction whose line is formatted when the module is: terminators (metadata) and phis."""

    __slots__ = ("parent", "metadata")

    def __init__(self, parent: Block, typ: Type, ref: str = ""):
        self.type, self.ref, self.parent, self.metadata = typ, ref, parent, {}

    def set_metadata(self, name: str, node: MDValue) -> None:
        self.metadata[name] = node

    def _md(self) -> str:
        return "".join(f", !{k} {v.ref}" for k, v in self.metadata.items())


class _Terminator(_Instruction):
    __slots__ = ("text",)

    def __init__(self, parent: Block, text: str):
        super().__init__(parent, LABEL)
        self.text = text

    def line(self) -> str:
        return self.text + self._md()


class SwitchInstr(_Terminator):
    __slots__ = ("cases", "value_type")

    def __init__(self, parent: Block, text: str, value_type: Type):
        super().__init__(parent, text)
        self.cases: list[tuple[Value, Block]] = []
        self.value_type = value_type

    def add_case(self, val, block: Block) -> None:
        if not isinstance(val, Value):
            val = Constant(self.value_type, val)
        self.cases.append((val, block))

    def line(self) -> str:
        cases = " ".join(f"{v.type.text} {v.ref}, label {b.ref}" for v, b in self.cases)
        return f"{self.text} [{cases}]  {self._md()}".rstrip()


class PhiInstr(_Instruction):
    __slots__ = ("incomings",)

    def __init__(self, parent: Block, typ: Type, ref: str):
        super().__init__(parent, typ, ref)
        self.incomings: list[tuple[Value, Block]] = []

    def add_incoming(self, value: Value, block: Block) -> None:
        self.incomings.append((value, block))

    def line(self) -> str:
        incs = ", ".join(f"[{v.ref}, {b.ref}]" for v, b in self.incomings)
        return f"{self.ref} = phi  {self.type.text} {incs} {self._md()}".rstrip()


_SIMPLE_NAME = re.compile(r"[-a-zA-Z$._][-a-zA-Z$._0-9]*$")


def _quoted(prefix: str, name: str) -> str:
    """A name in quotes (the lowering's names hold no quote or backslash, so nothing is escaped)."""
    return f'{prefix}"{name}"'


class Block(Value):
    """A basic block: its lines (strings, or phis formatted later) and its terminator."""

    __slots__ = ("parent", "name", "lines", "terminator")

    def __init__(self, parent: Function, name: str):
        self.type, self.parent, self.name = LABEL, parent, name
        self.ref = _quoted("%", name)
        self.lines: list = []
        self.terminator: _Terminator | None = None

    @property
    def is_terminated(self) -> bool:
        return self.terminator is not None

    @property
    def function(self) -> Function:
        return self.parent

    @property
    def module(self) -> Module:
        return self.parent.module

    def text(self) -> str:
        label = self.name if _SIMPLE_NAME.match(self.name) else _quoted("", self.name)
        body = [x if isinstance(x, str) else x.line() for x in self.lines]
        if self.terminator is not None:
            body.append(self.terminator.line())
        return "".join([f"{label}:\n", *(f"  {x}\n" for x in body)])


class Argument(Value):
    __slots__ = ("attributes",)

    def __init__(self, typ: Type, ref: str):
        super().__init__(typ, ref)
        self.attributes: list[str] = []

    def add_attribute(self, attr: str) -> None:
        if attr not in self.attributes:
            self.attributes.append(attr)
            self.attributes.sort()

    def __str__(self) -> str:
        return " ".join([self.type.text, *self.attributes, self.ref])


class _Global(Value):
    __slots__ = ("module", "name")

    def __init__(self, module: Module, typ: Type, name: str):
        super().__init__(typ.as_pointer(), _quoted("@", name))
        self.module, self.name = module, name
        assert name not in module.globals, name
        module.globals[name] = self


class Function(_Global):
    """A function: a definition once it has blocks, else a declaration.  Unnamed values (arguments,
    instructions, blocks) are numbered ``.1``, ``.2``... in order; a named block gets ``.1``, ``.2``...
    appended when its name is taken, as llvmlite does."""

    __slots__ = ("ftype", "args", "blocks", "_count", "_names")

    def __init__(self, module: Module, ftype: FunctionType, name: str):
        super().__init__(module, ftype, name)
        self.ftype = ftype
        self._count = 0
        self._names: dict[str, int] = {}  # names given -> how many times deduplicated
        self.args = tuple(Argument(t, self.new_ref()) for t in ftype.args)
        self._count += 1  # llvmlite numbers the return value too
        self.blocks: list[Block] = []

    def new_ref(self) -> str:
        self._count += 1
        return f'%".{self._count}"'

    def unique_name(self, name: str) -> str:
        if not name:
            return self.new_ref()[2:-1]
        if name not in self._names:
            self._names[name] = 0
            return name
        base = name
        while name in self._names:  # llvmlite's deduplication: name.1, name.2... skipping names in use
            self._names[base] += 1
            name = f"{base}.{self._names[base]}"
        self._names[name] = 0
        return name

    @property
    def entry_basic_block(self) -> Block:
        return self.blocks[0]

    def append_basic_block(self, name: str = "") -> Block:
        blk = Block(self, self.unique_name(name))
        self.blocks.append(blk)
        return blk

    def __str__(self) -> str:
        head = f"{'define' if self.blocks else 'declare'} {self.ftype.return_type.text} {self.ref}"
        proto = f"{head}({', '.join(str(a) for a in self.args)})\n"
        if not self.blocks:
            return proto
        return "".join([proto, "{\n", *(b.text() for b in self.blocks), "}\n"])


class GlobalVariable(_Global):
    __slots__ = ("value_type", "initializer", "linkage", "global_constant")

    def __init__(self, module: Module, typ: Type, name: str):
        super().__init__(module, typ, name)
        self.value_type = typ
        self.initializer: Value | None = None
        self.linkage = ""
        self.global_constant = False

    def __str__(self) -> str:
        linkage = self.linkage or ("external" if self.initializer is None else "")
        kind = "constant" if self.global_constant else "global"
        init = ""
        if self.initializer is not None:
            init = " " + self.initializer.ref
        elif linkage not in ("external", "extern_weak"):
            init = " undef"
        return f"{self.ref} = {linkage + ' ' if linkage else ''}{kind} {self.value_type.text}{init}"


class MetaDataString(Value):
    __slots__ = ()

    def __init__(self, module: Module, string: str):
        assert re.fullmatch(r"[\w .-]*", string), string  # nothing to escape
        super().__init__(METADATA, f'!"{string}"')


class MDValue(Value):
    """An unnamed metadata node ``!n``; ``text`` is its body."""

    __slots__ = ("text",)

    def __init__(self, ref: str, text: str):
        super().__init__(METADATA, ref)
        self.text = text


class Module:
    def __init__(self, name: str = ""):
        self.name = name
        self.triple = "unknown-unknown-unknown"
        self.data_layout = ""
        self.globals: dict[str, _Global] = {}
        self.metadata: list[MDValue] = []
        self._md_by_text: dict[str, MDValue] = {}

    def add_metadata(self, operands: list[Value]) -> MDValue:
        """An unnamed metadata node with these operands (the same node for the same operands)."""
        ops = ", ".join(x.ref if x.type is METADATA else f"{x.type.text} {x.ref}" for x in operands)
        text = f"!{{ {ops} }}"
        md = self._md_by_text.get(text)
        if md is None:
            md = self._md_by_text[text] = MDValue(f"!{len(self.metadata)}", text)
            self.metadata.append(md)
        return md

    def __str__(self) -> str:
        lines = [f'; ModuleID = "{self.name}"', f'target triple = "{self.triple}"',
                 f'target datalayout = "{self.data_layout}"', ""]  # fmt: skip
        lines += [str(g) for g in self.globals.values()]
        lines += [f"{md.ref} = {md.text}" for md in self.metadata]
        return "\n".join(lines)


# ---- the builder -------------------------------------------------------------------------------------

_CMP = {">": "gt", "<": "lt", "==": "eq", "!=": "ne", ">=": "ge", "<=": "le"}
_I32 = IntType(32)


def _label_suffix(label: str, suffix: str) -> str:
    """The name of a block made from another's (llvmlite's: long names are shortened)."""
    return f"{label[:25]}..{suffix}" if len(label) > 50 else label + suffix


def _binop(op: str):
    """The builder method of binary operation ``op``."""

    def binop(self: IRBuilder, lhs: Value, rhs: Value) -> Value:
        t = lhs.type
        return self._emit(t, f"{op} {t.text} {lhs.ref}, {rhs.ref}")

    return binop


def _cast(op: str):
    """The builder method of conversion ``op``."""

    def cast(self: IRBuilder, val: Value, typ: Type) -> Value:
        if val.type == typ:
            return val
        return self._emit(typ, f"{op} {val.type.text} {val.ref} to {typ.text}")

    return cast


class IRBuilder:
    """Inserts instructions into its current block at its anchor, an index into the block's lines that
    moves past each one inserted (so instructions another builder inserts meanwhile come after them, as
    with llvmlite: the lowering's two builders share the function's first block)."""

    def __init__(self, block: Block):
        self.block = block
        self._anchor = len(block.lines)

    @property
    def function(self) -> Function:
        return self.block.parent

    @property
    def module(self) -> Module:
        return self.block.parent.module

    # ---- positioning
    def position_at_end(self, block: Block) -> None:
        """At the end of ``block`` (before its terminator: the terminator is kept apart from its lines)."""
        self.block, self._anchor = block, len(block.lines)

    def position_before(self, instr: _Terminator) -> None:
        assert instr is instr.parent.terminator  # only before a terminator
        self.position_at_end(instr.parent)

    @contextlib.contextmanager
    def goto_block(self, block: Block) -> Iterator[None]:
        old = self.block
        self.position_at_end(block)
        try:
            yield
        finally:
            self.position_at_end(old)

    def goto_entry_block(self):
        return self.goto_block(self.block.parent.blocks[0])

    @contextlib.contextmanager
    def _branch_helper(self, enter: Block, leave: Block) -> Iterator[Block]:
        self.position_at_end(enter)
        yield leave
        if self.block.terminator is None:
            self.branch(leave)

    def _weights(self, br: _Terminator, likely: bool | None) -> None:
        if likely is not None:
            m = self.module
            ws = [99, 1] if likely else [1, 99]
            br.set_metadata(
                "prof", m.add_metadata([MetaDataString(m, "branch_weights")] + [Constant(_I32, w) for w in ws])
            )

    @contextlib.contextmanager
    def if_then(self, pred: Value, likely: bool | None = None) -> Iterator[Block]:
        name, fn = self.block.name, self.block.parent
        bbif = fn.append_basic_block(_label_suffix(name, ".if"))
        bbend = fn.append_basic_block(_label_suffix(name, ".endif"))
        self._weights(self.cbranch(pred, bbif, bbend), likely)
        with self._branch_helper(bbif, bbend):
            yield bbend
        self.position_at_end(bbend)

    @contextlib.contextmanager
    def if_else(self, pred: Value, likely: bool | None = None):
        name, fn = self.block.name, self.block.parent
        bbif = fn.append_basic_block(_label_suffix(name, ".if"))
        bbelse = fn.append_basic_block(_label_suffix(name, ".else"))
        bbend = fn.append_basic_block(_label_suffix(name, ".endif"))
        self._weights(self.cbranch(pred, bbif, bbelse), likely)
        yield self._branch_helper(bbif, bbend), self._branch_helper(bbelse, bbend)
        self.position_at_end(bbend)

    # ---- emitting
    def _insert(self, line: str | PhiInstr) -> None:
        self.block.lines.insert(self._anchor, line)
        self._anchor += 1

    def _emit(self, typ: Type, text: str) -> Value:
        """A new instruction ``%".n" = text`` of type ``typ`` (``new_ref`` and ``_insert`` inlined: this is
        the lowering's hottest path)."""
        blk = self.block
        fn = blk.parent
        fn._count += 1
        ref = f'%".{fn._count}"'
        blk.lines.insert(self._anchor, f"{ref} = {text}")
        self._anchor += 1
        return Value(typ, ref)

    # integer and floating-point arithmetic: ``b.add(lhs, rhs)``...
    add, sub, mul, udiv, sdiv, and_, or_, xor, shl, lshr, ashr, fadd, fsub, fmul, fdiv = (
        _binop(op) for op in "add sub mul udiv sdiv and or xor shl lshr ashr fadd fsub fmul fdiv".split()
    )

    def not_(self, value: Value) -> Value:
        t = value.type
        return self.xor(value, Constant(t, (-1,) * t.count if isinstance(t, VectorType) else -1))

    def neg(self, value: Value) -> Value:
        return self.sub(Constant(value.type, 0), value)

    def fneg(self, arg: Value) -> Value:
        return self._emit(arg.type, f"fneg {arg.type.text} {arg.ref}")

    def _cmp(self, kind: str, op: str, lhs: Value, rhs: Value) -> Value:
        t = lhs.type
        typ = VectorType(IntType(1), t.count) if isinstance(t, VectorType) else IntType(1)
        return self._emit(typ, f"{kind} {op} {t.text} {lhs.ref}, {rhs.ref}")

    def icmp_signed(self, cmpop: str, lhs: Value, rhs: Value) -> Value:
        return self._cmp("icmp", _CMP[cmpop] if cmpop in ("==", "!=") else "s" + _CMP[cmpop], lhs, rhs)

    def icmp_unsigned(self, cmpop: str, lhs: Value, rhs: Value) -> Value:
        return self._cmp("icmp", _CMP[cmpop] if cmpop in ("==", "!=") else "u" + _CMP[cmpop], lhs, rhs)

    def fcmp_ordered(self, cmpop: str, lhs: Value, rhs: Value) -> Value:
        return self._cmp("fcmp", "o" + _CMP[cmpop] if cmpop in _CMP else cmpop, lhs, rhs)

    def fcmp_unordered(self, cmpop: str, lhs: Value, rhs: Value) -> Value:
        return self._cmp("fcmp", "u" + _CMP[cmpop] if cmpop in _CMP else cmpop, lhs, rhs)

    def select(self, cond: Value, lhs: Value, rhs: Value) -> Value:
        t = lhs.type.text
        return self._emit(lhs.type, f"select  {cond.type.text} {cond.ref}, {t} {lhs.ref}, {t} {rhs.ref}")

    # conversions: ``b.zext(value, type)``... (a value of the type already is returned as it is)
    trunc, zext, sext, bitcast, fpext, fptrunc, fptosi, sitofp, uitofp, inttoptr = (
        _cast(op) for op in "trunc zext sext bitcast fpext fptrunc fptosi sitofp uitofp inttoptr".split()
    )

    # ---- memory
    def alloca(self, typ: Type, size: int | None = None, name: str = "") -> Value:
        fn = self.block.parent
        ref = fn.new_ref() if not name else _quoted("%", fn.unique_name(name))
        count = "" if size is None else f", i32 {size}"
        self._insert(f"{ref} = alloca {typ.text}{count}")
        return Value(typ.as_pointer(), ref)

    def load(self, ptr: Value, align: int | None = None) -> Value:
        t = ptr.type
        al = "" if align is None else f", align {align}"
        return self._emit(t.pointee, f"load {t.pointee.text}, {t.text} {ptr.ref}{al}")

    def load_atomic(self, ptr: Value, ordering: str, align: int) -> Value:
        t = ptr.type
        return self._emit(t.pointee, f"load atomic {t.pointee.text}, {t.text} {ptr.ref} {ordering}, align {align}")

    def store(self, value: Value, ptr: Value, align: int | None = None) -> None:
        al = "" if align is None else f", align {align}"
        self.block.parent._count += 1  # numbered as llvmlite numbers it, though nothing refers to it
        self._insert(f"store {value.type.text} {value.ref}, {ptr.type.text} {ptr.ref}{al}")

    def gep(self, ptr: Value, indices: list[Value], inbounds: bool = False) -> Value:
        """getelementptr: one index keeps the pointer's type; each further one steps into an array."""
        src = ptr.type.pointee
        t = src
        for _ in indices[1:]:
            t = t.element
        op = "getelementptr inbounds" if inbounds else "getelementptr"
        idx = ", ".join(f"{i.type.text} {i.ref}" for i in indices)
        return self._emit(t.as_pointer(), f"{op} {src.text}, {ptr.type.text} {ptr.ref}, {idx}")

    def cmpxchg(self, ptr: Value, cmp: Value, val: Value, ordering: str, failordering: str) -> Value:
        t = val.type.text
        return self._emit(
            _StructType(val.type, IntType(1)),
            f"cmpxchg {ptr.type.text} {ptr.ref}, {t} {cmp.ref}, {t} {val.ref} {ordering} {failordering}",
        )

    def extract_value(self, agg: Value, idx: int) -> Value:
        return self._emit(agg.type.elements[idx], f"extractvalue {agg.type.text} {agg.ref}, {idx}")

    # ---- vectors
    def extract_element(self, vector: Value, idx: Value) -> Value:
        return self._emit(vector.type.element, f"extractelement {vector}, {idx}")

    def insert_element(self, vector: Value, value: Value, idx: Value) -> Value:
        return self._emit(vector.type, f"insertelement {vector}, {value}, {idx}")

    def shuffle_vector(self, vector1: Value, vector2: Value, mask: Constant) -> Value:
        typ = VectorType(vector1.type.element, mask.type.count)
        return self._emit(typ, f"shufflevector {vector1}, {vector2}, {mask}")

    # ---- calls and control flow
    def call(self, fn: Value, args: list[Value], tail: str | bool = False) -> Value:
        """``tail``: True for ``tail``, or the marker (``"musttail"``)."""
        ftype = fn.type.pointee
        marker = "tail " if tail is True else f"{tail} " if tail else ""
        args_text = ", ".join(f"{a.type.text} {a.ref}" for a in args)
        return self._emit(ftype.return_type, f"{marker}call {ftype.return_type.text} {fn.ref}({args_text})")

    def phi(self, typ: Type) -> PhiInstr:
        blk = self.block
        phi = PhiInstr(blk, typ, blk.parent.new_ref())
        self._insert(phi)
        return phi

    def _terminate(self, term: _Terminator) -> _Terminator:
        assert self.block.terminator is None
        self.block.parent._count += 1  # as for stores
        self.block.terminator = term
        return term

    def branch(self, target: Block) -> _Terminator:
        return self._terminate(_Terminator(self.block, f"br label {target.ref}"))

    def cbranch(self, cond: Value, truebr: Block, falsebr: Block) -> _Terminator:
        text = f"br {cond.type.text} {cond.ref}, label {truebr.ref}, label {falsebr.ref}"
        return self._terminate(_Terminator(self.block, text))

    def switch(self, value: Value, default: Block) -> SwitchInstr:
        text = f"switch {value.type.text} {value.ref}, label {default.ref}"
        return self._terminate(SwitchInstr(self.block, text, value.type))

    def ret(self, value: Value) -> _Terminator:
        return self._terminate(_Terminator(self.block, f"ret {value.type.text} {value.ref}"))
