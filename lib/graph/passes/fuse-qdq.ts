/**
 * fuseQdq: a QDQ model writes each quantized operator as float — DequantizeLinear on its inputs, the
 * float op, QuantizeLinear on its output. Where an int8 kernel computes the same thing, the group
 * becomes that one operator, reading and writing the quantized tensors themselves:
 *
 *   DQ(x), DQ(w), DQ(b) → Conv → Q      QLinearConv (B as int32 at scale x_scale·w_scale)
 *   DQ(a), DQ(b) → MatMul → Q           QLinearMatMul
 *   DQ(a), DQ(b) → Gemm [→ Q]           com.microsoft QGemm (float output when no Q follows)
 *   DQ(a), DQ(b) → Add / Mul → Q        com.microsoft QLinearAdd / QLinearMul
 *   DQ(x), scalar → Add/Sub/Mul/Div → Q a table, as for any function of one value
 *   DQ(x) → GlobalAveragePool → Q       com.microsoft QLinearGlobalAveragePool (AveragePool alike)
 *   DQ(x) → f → Q, f elementwise        octet QLinearLookup: a 256-entry table made here
 *   DQ(x) → MaxPool / Reshape / ... → Q the op itself on the bytes (it only moves or picks values),
 *                                       then a table when the output's quantization differs
 *   DQ(x) → Q                           nothing (same parameters) or a table
 *
 * Consecutive groups then pass int8 data to each other: the Q → DQ pair between them is gone, as
 * its DQ feeds nothing once the next group read the quantized value directly. DQs that still feed a
 * float operator stay (that operator is the Q/DQ fallback) and dead ones go with removeDeadNodes().
 *
 * Only what the kernels compute exactly as the float graph defines it: constant scales and zero
 * points, per-tensor activations, weights per tensor or per output channel, and an output read by
 * one QuantizeLinear only.
 */
import type { IrGraph, IrNode } from '../ir.js';
import { consumerIndex, graphOutputNames, isOnnxDomain, NameAllocator, producerIndex, removeNodes } from './graph-queries.js';
import {
  binaryGroup,
  BYTE_MOVERS,
  byteModeAllowed,
  concatGroup,
  convGroup,
  gemmGroup,
  lookupGroup,
  matmulGroup,
  moverGroup,
  poolGroup,
  quantizedOutput,
  requantizeGroup,
  scalarOperandGroup,
  type Context,
  type QuantizedOutput,
} from './qdq-groups.js';
import { soleQuantizer, type AddConstant } from './qdq-queries.js';

export function fuseQdq(g: IrGraph): void {
  if ((g.opsets.get('') ?? 0) < 10) return;
  const names = new NameAllocator(g);
  const addConstant: AddConstant = (base, t) => {
    const name = names.fresh(base);
    g.constants.set(name, { name, ...t });
    g.types.set(name, { elemType: t.type, shape: [...t.dims] });
    return name;
  };
  const c: Context = { g, producers: producerIndex(g), uses: consumerIndex(g), outputs: graphOutputNames(g), names, addConstant };
  const dead = new Set<IrNode>();

  for (const node of [...g.nodes]) {
    if (!isOnnxDomain(node) || dead.has(node)) continue;
    const made = fuse(c, node);
    if (!made) continue;
    const { nodes, quantizer, activation } = made;
    g.nodes.splice(g.nodes.indexOf(node), 1, ...nodes);
    if (quantizer) {
      dead.add(quantizer);
      g.types.delete(node.outputs[0]!);
    }
    if (activation) {
      dead.add(activation);
      g.types.delete(activation.outputs[0]!);
    }
    // Later groups look up producers of values these nodes now write.
    for (const n of nodes) for (const out of n.outputs) if (out !== '') c.producers.set(out, n);
  }
  removeNodes(g, dead);
}

/** The nodes replacing `node` (and the QuantizeLinear and activation they absorb), or null to leave it. */
function fuse(c: Context, node: IrNode): { nodes: IrNode[]; quantizer: IrNode | null; activation?: IrNode } | null {
  const { g } = c;
  const q = () => soleQuantizer(g, c.uses, c.outputs, node.outputs[0] ?? '');
  // Conv, MatMul and Gemm may have a Relu or Clip between them and their QuantizeLinear: it becomes
  // the fused operator's output range.
  const withRange = (fused: IrNode | null, out: QuantizedOutput | null) => {
    if (!fused || !out) return null;
    if (out.range) for (const [k, v] of out.range) fused.attributes.set(k, { type: 'int', value: v });
    return { nodes: [fused], quantizer: out.q, ...(out.activation ? { activation: out.activation } : {}) };
  };
  switch (node.opType) {
    case 'Conv': {
      const out = node.attributes.has('activation') ? null : quantizedOutput(c, node);
      return withRange(out && convGroup(c, node, out.q), out);
    }
    case 'MatMul': {
      const out = quantizedOutput(c, node);
      return withRange(out && matmulGroup(c, node, out.q), out);
    }
    case 'Gemm': {
      const out = quantizedOutput(c, node);
      if (out) return withRange(gemmGroup(c, node, out.q), out);
      const fused = gemmGroup(c, node, null);
      return fused && { nodes: [fused], quantizer: null };
    }
    case 'Add':
    case 'Mul':
    case 'Sub':
    case 'Div': {
      const quantizer = q();
      const fused = quantizer && (scalarOperandGroup(c, node, quantizer) ?? (node.opType === 'Add' || node.opType === 'Mul' ? binaryGroup(c, node, quantizer) : null));
      return fused && { nodes: [fused], quantizer };
    }
    case 'GlobalAveragePool':
    case 'AveragePool': {
      const quantizer = q();
      const fused = quantizer && poolGroup(c, node, quantizer);
      return fused && { nodes: [fused], quantizer };
    }
    case 'QuantizeLinear':
      return requantizeGroup(c, node);
    case 'Concat': {
      const quantizer = q();
      const nodes = quantizer && concatGroup(c, node, quantizer);
      return nodes && { nodes, quantizer };
    }
    case 'Resize':
    case 'Upsample':
    case 'Pad': {
      const quantizer = q();
      const nodes = quantizer && byteModeAllowed(c, node) ? moverGroup(c, node, quantizer) : null;
      return nodes && { nodes, quantizer };
    }
    default: {
      const quantizer = q();
      if (!quantizer) return null;
      if (BYTE_MOVERS.has(node.opType)) {
        const nodes = moverGroup(c, node, quantizer);
        return nodes && { nodes, quantizer };
      }
      const fused = lookupGroup(c, node, quantizer);
      return fused && { nodes: [fused], quantizer };
    }
  }
}

