/** AttributeProto → AttributeValue, and constantValue() for Constant nodes. */
import type { onnx as P } from 'onnx-proto';
import { decodeGraph, decodeType } from './graph.js';
import type { AttributeValue, InitializerTensor, OnnxNode } from './model.js';
import { bytesToString, has, onnx, toIntValue, type DecodeContext } from './proto.js';
import { decodeTensor } from './tensor-proto.js';

const A = onnx.AttributeProto.AttributeType;

/** The attribute type, inferred from the populated field when `type` is UNDEFINED (very old models). */
function attributeType(a: P.IAttributeProto): number {
  if (a.type) return a.type;
  if (has(a, 'f')) return A.FLOAT;
  if (has(a, 'i')) return A.INT;
  if (has(a, 's')) return A.STRING;
  if (a.t) return A.TENSOR;
  if (a.g) return A.GRAPH;
  if (a.floats?.length) return A.FLOATS;
  if (a.ints?.length) return A.INTS;
  if (a.strings?.length) return A.STRINGS;
  if (a.tensors?.length) return A.TENSORS;
  if (a.graphs?.length) return A.GRAPHS;
  if (a.tp) return A.TYPE_PROTO;
  return A.UNDEFINED;
}

/** Decodes one attribute; `where` names the node in errors. */
export function decodeAttribute(a: P.IAttributeProto, ctx: DecodeContext, where: string): AttributeValue {
  const name = a.name ?? '';
  const here = `${where} attribute '${name}'`;
  const type = attributeType(a);
  switch (type) {
    case A.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case A.INT:
      return { type: 'int', value: toIntValue(a.i ?? 0) };
    case A.STRING:
      return { type: 'string', value: bytesToString(a.s) };
    case A.TENSOR:
      if (!a.t) throw new TypeError(`${ctx.source}: ${here} is of type TENSOR but has no tensor`);
      return { type: 'tensor', value: decodeTensor(a.t, ctx, `${here} tensor '${a.t.name ?? ''}'`) };
    case A.GRAPH:
      if (!a.g) throw new TypeError(`${ctx.source}: ${here} is of type GRAPH but has no graph`);
      return { type: 'graph', value: decodeGraph(a.g, ctx, `${here} graph`) };
    case A.FLOATS:
      return { type: 'floats', value: Array.from(a.floats ?? []) };
    case A.INTS:
      return { type: 'ints', value: (a.ints ?? []).map((v) => toIntValue(v)) };
    case A.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).map((s) => bytesToString(s)) };
    case A.TENSORS:
      return { type: 'tensors', value: (a.tensors ?? []).map((t, i) => decodeTensor(t, ctx, `${here} tensors[${i}]`)) };
    case A.GRAPHS:
      return { type: 'graphs', value: (a.graphs ?? []).map((g, i) => decodeGraph(g, ctx, `${here} graphs[${i}]`)) };
    case A.TYPE_PROTO:
      return { type: 'type_proto', value: decodeType(a.tp, `${ctx.source}: ${here}`) };
    case A.TYPE_PROTOS:
      return { type: 'type_protos', value: (a.typeProtos ?? []).map((tp) => decodeType(tp, `${ctx.source}: ${here}`)) };
    default: {
      const typeName = (A as unknown as Record<number, string>)[type] ?? String(type);
      throw new TypeError(`${ctx.source}: ${here} has unsupported attribute type ${typeName}`);
    }
  }
}

/** Decodes a node's attribute list into a Map; duplicate names are an error. */
export function decodeAttributes(list: P.IAttributeProto[] | null | undefined, ctx: DecodeContext, where: string): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  for (const a of list ?? []) {
    const name = a.name ?? '';
    if (out.has(name)) throw new Error(`${ctx.source}: ${where} has attribute '${name}' twice`);
    out.set(name, decodeAttribute(a, ctx, where));
  }
  return out;
}

/**
 * The tensor a Constant node produces (from value, value_float(s), value_int(s) or value_string(s)),
 * named after the node's output. Throws TypeError for other nodes or sparse_value constants.
 */
export function constantValue(node: OnnxNode): InitializerTensor {
  const where = `node '${node.name}' (${node.opType})`;
  if (node.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) {
    throw new TypeError(`constantValue: ${where} is not a Constant node`);
  }
  const name = node.outputs[0] ?? '';
  if (node.attributes.size !== 1) {
    throw new TypeError(`constantValue: ${where} must have exactly one value attribute, has [${[...node.attributes.keys()].join(', ')}]`);
  }
  const [[key, attr]] = node.attributes;
  switch (`${key}:${attr.type}`) {
    case 'value:tensor': {
      const t = attr.value as InitializerTensor;
      return { ...t, name };
    }
    case 'value_float:float':
      return { name, type: 'float32', dims: [], data: Float32Array.of(attr.value as number) };
    case 'value_floats:floats': {
      const v = attr.value as number[];
      return { name, type: 'float32', dims: [v.length], data: Float32Array.from(v) };
    }
    case 'value_int:int':
      return { name, type: 'int64', dims: [], data: BigInt64Array.of(BigInt(attr.value as number | bigint)) };
    case 'value_ints:ints': {
      const v = attr.value as (number | bigint)[];
      return { name, type: 'int64', dims: [v.length], data: BigInt64Array.from(v, (x) => BigInt(x)) };
    }
    case 'value_string:string':
      return { name, type: 'string', dims: [], data: [attr.value as string] };
    case 'value_strings:strings': {
      const v = attr.value as string[];
      return { name, type: 'string', dims: [v.length], data: [...v] };
    }
    default:
      throw new TypeError(`constantValue: ${where} attribute '${key}' (${attr.type}) is not a supported constant value`);
  }
}
