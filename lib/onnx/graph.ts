/** GraphProto → OnnxGraph (value infos, initializers, nodes; subgraphs recursively via attributes). */
import type { onnx as P } from 'onnx-proto';
import { decodeAttributes } from './attributes.js';
import type { InitializerTensor, OnnxDim, OnnxGraph, OnnxNode, TypeInfo, ValueInfo } from './model.js';
import { has, toSafeNumber, type DecodeContext } from './proto.js';
import { decodeTensor, elemTypeName } from './tensor-proto.js';

function decodeShape(shape: P.ITensorShapeProto | null | undefined, where: string): OnnxDim[] | null {
  if (!shape) return null;
  return (shape.dim ?? []).map((d, i): OnnxDim => {
    if (has(d, 'dimValue')) {
      try {
        return toSafeNumber(d.dimValue, `dim ${i}`);
      } catch (e) {
        throw new RangeError(`${where}: ${(e as Error).message}`);
      }
    }
    if (has(d, 'dimParam') && d.dimParam) return d.dimParam;
    return null;
  });
}

/** Decodes a TypeProto (tensor, sparse tensor, sequence/optional of those, map). */
export function decodeType(type: P.ITypeProto | null | undefined, where: string, depth = 0): TypeInfo {
  if (!type || depth > 64) return { kind: 'unknown', elemType: 'undefined', shape: null };
  if (type.tensorType) {
    return { kind: 'tensor', elemType: elemTypeName(type.tensorType.elemType ?? 0, where), shape: decodeShape(type.tensorType.shape, where) };
  }
  if (type.sparseTensorType) {
    return { kind: 'sparse_tensor', elemType: elemTypeName(type.sparseTensorType.elemType ?? 0, where), shape: decodeShape(type.sparseTensorType.shape, where) };
  }
  if (type.sequenceType) return { ...decodeType(type.sequenceType.elemType, where, depth + 1), kind: 'sequence' };
  if (type.optionalType) return { ...decodeType(type.optionalType.elemType, where, depth + 1), kind: 'optional' };
  if (type.mapType) return { kind: 'map', elemType: 'undefined', shape: null };
  return { kind: 'unknown', elemType: 'undefined', shape: null };
}

export function decodeValueInfo(v: P.IValueInfoProto, ctx: DecodeContext, label: string): ValueInfo {
  const name = v.name ?? '';
  const where = `${ctx.source}: ${label} '${name}'`;
  return { name, ...decodeType(v.type, where) };
}

/** Decodes a graph; `label` names it in errors ("graph", "node 'if' attribute 'then_branch' graph"). */
export function decodeGraph(g: P.IGraphProto, ctx: DecodeContext, label = 'graph'): OnnxGraph {
  const initializers = new Map<string, InitializerTensor>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (!name) throw new Error(`${ctx.source}: ${label} has an initializer without a name`);
    if (initializers.has(name)) throw new Error(`${ctx.source}: ${label} has initializer '${name}' twice`);
    initializers.set(name, decodeTensor(t, ctx, `${label} initializer '${name}'`));
  }
  if ((g.sparseInitializer ?? []).length > 0) {
    throw new TypeError(`${ctx.source}: ${label} has sparse initializers, which are not supported`);
  }
  const inputs = (g.input ?? [])
    .map((v) => decodeValueInfo(v, ctx, `${label} input`))
    .filter((v) => !initializers.has(v.name));
  const outputs = (g.output ?? []).map((v) => decodeValueInfo(v, ctx, `${label} output`));
  const valueInfo = new Map<string, ValueInfo>();
  for (const v of g.valueInfo ?? []) valueInfo.set(v.name ?? '', decodeValueInfo(v, ctx, `${label} value_info`));
  const nodes = (g.node ?? []).map((n, i): OnnxNode => {
    const name = n.name ?? '';
    const where = `${label} node ${name ? `'${name}'` : `#${i}`} (${n.opType ?? '?'})`;
    if (!n.opType) throw new Error(`${ctx.source}: ${where} has no op_type`);
    return {
      name,
      opType: n.opType,
      domain: n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attributes: decodeAttributes(n.attribute, ctx, where),
    };
  });
  return { name: g.name ?? '', inputs, outputs, initializers, nodes, valueInfo };
}
