"""``codegen/irtext`` writes the same LLVM IR text as ``llvmlite.ir`` (the reference) for every construct the
lowering uses, and LLVM parses and verifies it.

``_build`` makes one module through either API (passed as ``ir``): every type, constant, global, builder
method and control-flow helper of the subset, including the orders the lowering relies on (two builders in
one block, allocas added to the entry block later, metadata attached to a terminator after the fact).
"""

from __future__ import annotations

import llvmlite.ir
from llvmlite import binding as llvm

from jitemu.codegen import irtext


def _build(ir) -> str:  # noqa: ANN001 - the module irtext or llvmlite.ir
    i1, i8, i32, i64 = (ir.IntType(w) for w in (1, 8, 32, 64))
    f32, f64 = ir.FloatType(), ir.DoubleType()
    v4i32, v4f32, v2f64 = ir.VectorType(i32, 4), ir.VectorType(f32, 4), ir.VectorType(f64, 2)
    fn_ty = ir.FunctionType(i32, [i8.as_pointer()])
    m = ir.Module("everything")
    m.triple = "x86_64-unknown-linux-gnu"

    miss = ir.Function(m, fn_ty, "miss")
    ir.IRBuilder(miss.append_basic_block()).ret(ir.Constant(i32, 7))
    slot = ir.GlobalVariable(m, fn_ty.as_pointer(), "slot")
    slot.initializer = miss
    counter = ir.GlobalVariable(m, ir.ArrayType(i32, 2), "counter")
    counter.initializer = ir.Constant(ir.ArrayType(i32, 2), [0, 0])
    table = ir.GlobalVariable(m, ir.ArrayType(i32, 3), "table")
    table.initializer = ir.Constant(ir.ArrayType(i32, 3), [1, -2, 3])
    table.global_constant = True
    table.linkage = "internal"
    ctpop = ir.Function(m, ir.FunctionType(i32, [i32]), "llvm.ctpop.i32")
    fma = ir.Function(m, ir.FunctionType(f64, [f64] * 3), "llvm.fma.f64")

    fn = ir.Function(m, fn_ty, "everything")
    state = fn.args[0]
    state.add_attribute("noalias")
    first = fn.append_basic_block("fields")
    entry = fn.append_basic_block("entry")
    fb = ir.IRBuilder(first)
    fb.position_before(fb.branch(entry))
    b = ir.IRBuilder(entry)
    p32 = fb.bitcast(fb.gep(state, [ir.Constant(i32, 8)], inbounds=True), i32.as_pointer())
    slot_var = fb.alloca(i32, name="g_r0")
    b.store(b.load(p32), slot_var)
    with b.goto_entry_block():  # lands before the first block's branch, after fb's instructions so far
        buf = b.alloca(i64, 3)
    p64 = fb.bitcast(fb.gep(state, [ir.Constant(i32, 16)], inbounds=True), i64.as_pointer())
    x = b.load(slot_var)
    y = b.load(p32, align=1)
    ops = ("add", "sub", "mul", "udiv", "sdiv", "and_", "or_", "xor", "shl", "lshr", "ashr")
    ints = [getattr(b, op)(x, y) for op in ops]
    z = b.add(b.not_(ints[-1]), b.neg(ints[0]))
    z = b.call(ctpop, [z])
    cmps = [b.icmp_signed(op, x, z) for op in ("<", "==")] + [b.icmp_unsigned(op, x, z) for op in (">=", "!=")]
    flag = b.select(cmps[0], cmps[1], b.and_(cmps[2], cmps[3]))
    w = b.zext(x, i64)
    b.store(b.sext(b.trunc(w, i8), i64), b.gep(buf, [ir.Constant(i32, 1)]), align=1)
    b.store(w, p64)
    same = b.zext(w, i64)  # no conversion to its own type
    d = b.sitofp(x, f64)
    fd = [b.fadd(d, d), b.fsub(d, ir.Constant(f64, 0.5)), b.fmul(d, d), b.fdiv(d, ir.Constant(f64, 3.0))]
    r = b.call(fma, [fd[0], b.fsub(fd[1], b.uitofp(same, f64)), b.fneg(fd[2])])
    s = b.fptrunc(r, f32)
    back = b.fpext(s, f64)
    fl = b.fcmp_ordered("<", r, back)
    fl = b.or_(fl, b.fcmp_unordered("!=", fd[3], ir.Constant(f64, 0.0)))
    fl = b.or_(fl, b.fcmp_ordered("ord", r, r))
    u = b.add(b.fptosi(r, i32), b.trunc(b.load(b.inttoptr(w, i64.as_pointer())), i32))
    u = b.add(u, b.zext(b.icmp_unsigned("==", b.bitcast(s, i32), ir.Constant(i32, 0)), i32))
    # vectors: constants lane by lane, undef and zero vectors, shuffles, lanes in and out, vector compares
    vec = b.insert_element(ir.Constant(v4i32, None), u, ir.Constant(i32, 0))
    vec = b.shuffle_vector(vec, vec, ir.Constant(v4i32, [0, 0, 0, 0]))
    vec = b.add(vec, ir.Constant(v4i32, [1, 2, 3, 4]))
    vec = b.select(b.icmp_signed(">", vec, ir.Constant(v4i32, 5)), vec, ir.Constant(v4i32, ir.Undefined))
    vmask = b.not_(b.icmp_unsigned("<", vec, ir.Constant(v4i32, 2)))
    vf = b.fmul(b.bitcast(vec, v4f32), ir.Constant(v4f32, [ir.Constant(f32, 1.5)] * 4))
    vd = b.fpext(b.shuffle_vector(vf, vf, ir.Constant(ir.VectorType(i32, 2), [1, 3])), v2f64)
    vcmp = b.fcmp_unordered("==", vd, ir.Constant(v2f64, [ir.Constant(f64, 2.0)] * 2))
    lane = b.extract_element(b.sext(vmask, v4i32), ir.Constant(i32, 2))
    lane = b.add(lane, b.zext(b.extract_element(vcmp, ir.Constant(i32, 1)), i32))
    t = b.load(b.gep(table, [ir.Constant(i32, 0), b.and_(lane, ir.Constant(i32, 1))]))
    old = b.extract_value(b.cmpxchg(p32, t, u, "seq_cst", "seq_cst"), 0)
    req = b.load_atomic(p32, "acquire", 4)
    # control flow: if_then (with and without weights), if_else joined by a phi, a switch, metadata set later
    with b.if_then(b.icmp_unsigned("!=", req, ir.Constant(i32, 0)), likely=False):
        b.store(old, p32)
    with b.if_then(fl):
        b.store(t, p32)
    with b.if_else(b.trunc(flag, i1), likely=True) as (then, otherwise):
        with then:
            a_val, a_blk = b.add(old, ir.Constant(i32, 1)), b.block
        with otherwise:
            b_val, b_blk = b.sub(old, ir.Constant(i32, 1)), b.block
    phi = b.phi(i32)
    phi.add_incoming(a_val, a_blk)
    phi.add_incoming(b_val, b_blk)
    cont, cold = fn.append_basic_block("cont"), fn.append_basic_block("cold")
    b.cbranch(b.icmp_unsigned("<", phi, ir.Constant(i32, 9)), cont, cold)
    md = m.add_metadata([ir.MetaDataString(m, "branch_weights"), ir.Constant(i32, 2000), ir.Constant(i32, 1)])
    b.block.terminator.set_metadata("prof", md)
    b.position_at_end(cold)
    ret = fn.append_basic_block("ret")
    with b.goto_block(ret):
        ret_phi = b.phi(i32)
        b.ret(ret_phi)
    ret_phi.add_incoming(ir.Constant(i32, 1), cold)
    b.branch(ret_phi.parent)
    b.position_at_end(cont)
    long_name = fn.append_basic_block("a_block_whose_name_is_longer_than_fifty_characters_x")
    cont2 = fn.append_basic_block("cont")  # a name in use: deduplicated
    switch = b.switch(phi, long_name)
    switch.add_case(ir.Constant(i32, 3), cont2)
    switch.add_case(5, cold)
    b.position_at_end(long_name)
    with b.if_then(b.icmp_unsigned("==", phi, ir.Constant(i32, 4)), likely=True):
        pass
    b.branch(cont2)
    b.position_at_end(cont2)
    tail = fn.append_basic_block("tail")
    with b.goto_block(tail):
        target = b.phi(fn_ty.as_pointer())
        b.ret(b.call(target, [state], tail="musttail"))
    loaded = b.load(slot)
    null = ir.Constant(fn_ty.as_pointer(), None)
    target.add_incoming(b.select(b.icmp_unsigned("!=", loaded, null), loaded, miss), cont2)
    b.branch(tail)
    unnamed = fn.append_basic_block()
    ir.IRBuilder(unnamed).branch(ret)
    ret_phi.add_incoming(ir.Constant(i32, 2), unnamed)
    return str(m)


def test_irtext_writes_what_llvmlite_writes() -> None:
    text = _build(irtext)
    assert text == _build(llvmlite.ir)
    mod = llvm.parse_assembly(text)
    mod.verify()
