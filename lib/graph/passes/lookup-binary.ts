/**
 * lookupBinary: a QLinearMul or QLinearAdd whose two operands are both functions of one byte tensor x
 * — x itself, or a QLinearLookup table of x (or a chain of them) — is itself a function of x's byte,
 * so it becomes one 256-entry table, exactly. This is hard-swish, x · relu6(x + 3) / 6, as QDQ models carry it (and as
 * PaddleOCR and MobileNetV3 use it everywhere): the Add → Clip → Div chain is already one table t(x)
 * (composeLookups), and the Mul(x, t(x)) that remained reads two tensors and writes one; the table
 * reads one.
 *
 * Each entry is computed with the native operator's float32 arithmetic step for step
 * (native/ops/qlinear_elementwise_ops.cc: Mul m = (sA·sB)/sC, y = requant(float((a - zA)(b - zB))·m);
 * Add rA = sA/sC, rB = sB/sC, y = requant(float(a - zA)·rA + float(b - zB)·rB); requant clamps to the
 * output range, then rounds half to even), so the table gives the bytes the operator would.
 * Only with constant per-tensor scales and zero points. Both operands come elementwise from x, so they
 * have x's shape and nothing broadcasts.
 */
import type { OnnxElemType } from '../../onnx/model.js';
import type { IrGraph, IrNode } from '../ir.js';
import { isLookup, knownElemType, NameAllocator, newNode, producerIndex, scalarFloat32 } from './graph-queries.js';
import { byteValue, composeTables } from './lookup-tables.js';

const f32 = Math.fround;
const ROUND_MAGIC = 12582912;  // 1.5 · 2^23: (f + magic) - magic rounds a float32 |f| < 2^22 half to even

/**
 * The byte tensor an operand is a function of, and the table of that function (null: identity),
 * following chains of tables back to their first input: hard-swish as PaddleOCR exports it reads
 * t1(x) and t2(t1(x)), where t1(x) has other readers too (so composeLookups keeps it).
 */
function source(g: IrGraph, producers: Map<string, IrNode>, value: string, depth = 0): { x: string; table: Uint8Array | Int8Array | null } {
  const p = producers.get(value);
  if (depth < 16 && isLookup(p)) {
    const t = g.constants.get(p.inputs[1] ?? '');
    if (t && t.data.length === 256 && (t.data instanceof Uint8Array || t.data instanceof Int8Array)) {
      const inner = source(g, producers, p.inputs[0]!, depth + 1);
      return { x: inner.x, table: inner.table ? composeTables(inner.table, t.data) : t.data };
    }
  }
  return { x: value, table: null };
}

/** The element type of a byte tensor (before shape inference: from its producer), or undefined. */
function byteType(g: IrGraph, producers: Map<string, IrNode>, name: string): OnnxElemType | undefined {
  const t = knownElemType(g, name, producers);
  return t === 'uint8' || t === 'int8' ? t : undefined;
}

/** A constant one-element zero point of a byte type (absent: 0 of `fallback`), or null. */
function zeroPoint(g: IrGraph, name: string | undefined, fallback: OnnxElemType): { value: number; type: OnnxElemType } | null {
  if (name === undefined || name === '') return { value: 0, type: fallback };
  const t = g.constants.get(name);
  if (!t || (t.type !== 'uint8' && t.type !== 'int8') || t.data.length !== 1) return null;
  return { value: Number((t.data as Uint8Array | Int8Array)[0]), type: t.type };
}

function requant(f: number, zp: number, type: OnnxElemType): number {
  const [qmin, qmax] = type === 'int8' ? [-128, 127] : [0, 255];
  const lo = qmin - zp, hi = qmax - zp;
  f = f > lo ? f : lo;  // NaN takes lo, as natively
  f = f < hi ? f : hi;
  return f32(f32(f + ROUND_MAGIC) - ROUND_MAGIC) + zp;
}

export function lookupBinary(g: IrGraph): void {
  const producers = producerIndex(g);
  const names = new NameAllocator(g);
  for (let k = 0; k < g.nodes.length; k++) {
    const node = g.nodes[k]!;
    if (node.domain !== 'com.microsoft' || (node.opType !== 'QLinearMul' && node.opType !== 'QLinearAdd')) continue;
    const [aName, aScale, aZp, bName, bScale, bZp, cScale, cZp] = node.inputs;
    const a = source(g, producers, aName ?? ''), b = source(g, producers, bName ?? '');
    if (a.x !== b.x || a.x === '') continue;
    const sa = scalarFloat32(g, aScale ?? ''), sb = scalarFloat32(g, bScale ?? ''), sc = scalarFloat32(g, cScale ?? '');
    if (sa === null || sb === null || sc === null || !(sa > 0 && sb > 0 && sc > 0) || ![sa, sb, sc].every(Number.isFinite)) continue;
    const xType = byteType(g, producers, a.x);
    const operandType = (table: Uint8Array | Int8Array | null): OnnxElemType | undefined => (table ? (table instanceof Int8Array ? 'int8' : 'uint8') : xType);
    const ta = operandType(a.table), tb = operandType(b.table);
    if ((xType !== 'uint8' && xType !== 'int8') || !ta || !tb) continue;
    const za = zeroPoint(g, aZp, ta), zb = zeroPoint(g, bZp, tb), zc = zeroPoint(g, cZp, ta);
    if (!za || !zb || !zc || za.type !== ta || zb.type !== tb) continue;

    const table = zc.type === 'int8' ? new Int8Array(256) : new Uint8Array(256);
    const operand = (t: Uint8Array | Int8Array | null, byte: number) => (t ? t[byte]! : byteValue(byte, xType));
    const m = f32(f32(sa * sb) / sc), ra = f32(sa / sc), rb = f32(sb / sc);
    for (let byte = 0; byte < 256; byte++) {
      const da = operand(a.table, byte) - za.value, db = operand(b.table, byte) - zb.value;
      const f = node.opType === 'QLinearMul' ? f32(da * db * m) : f32(f32(da * ra) + f32(db * rb));
      table[byte] = requant(f, zc.value, zc.type);
    }
    const unique = names.fresh(`${node.outputs[0]}_table`);
    g.constants.set(unique, { name: unique, type: zc.type, dims: [256], data: table });
    g.types.set(unique, { elemType: zc.type, shape: [256] });
    const lookup = newNode(g, { name: node.name, opType: 'QLinearLookup', domain: 'octet', opset: 1, inputs: [a.x, unique], outputs: [...node.outputs] });
    g.nodes[k] = lookup;
    producers.set(node.outputs[0]!, lookup);
  }
}
