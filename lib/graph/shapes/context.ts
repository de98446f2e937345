/**
 * What a shape rule (and an evaluator) sees of one node: its inputs' concrete types, the constant
 * values known for them, typed attribute readers with ONNX defaults, and error constructors that name
 * the node, so every rule's messages read "node 'x' (Op): <problem>".
 */
import type { AttributeValue, InitializerTensor, OnnxElemType } from '../../onnx/model.js';
import { formatShape } from '../broadcast.js';
import { integerValues, INTEGER_TYPES } from '../evaluate/data.js';
import type { IrNode } from '../ir.js';
import { operatorLabel } from '../operators.js';

/** A value's type once shapes are concrete. */
export interface TensorType {
  elemType: OnnxElemType;
  shape: number[];
}

/** Computes the output types of a node (one per output position; omitted outputs may get any type). */
export type ShapeRule = (c: NodeContext) => TensorType[];

export class NodeContext {
  constructor(
    readonly node: IrNode,
    private readonly types: readonly (TensorType | undefined)[],
    private readonly values: readonly (InitializerTensor | undefined)[],
  ) {}

  get opset(): number {
    return this.node.opset;
  }

  /** "node 'conv_1' (Conv)" */
  get where(): string {
    return `node '${this.node.name}' (${operatorLabel(this.node.domain, this.node.opType)})`;
  }

  typeError(message: string): TypeError {
    return new TypeError(`${this.where}: ${message}`);
  }

  rangeError(message: string): RangeError {
    return new RangeError(`${this.where}: ${message}`);
  }

  /** True when input `i` is given (not omitted and not past the end). */
  has(i: number): boolean {
    return i >= 0 && i < this.node.inputs.length && this.node.inputs[i] !== '';
  }

  /** "input 1 'shape'" for messages. */
  label(i: number): string {
    return `input ${i} '${this.node.inputs[i] ?? ''}'`;
  }

  /** The type of input `i`; TypeError when it is omitted. */
  input(i: number): TensorType {
    const t = this.has(i) ? this.types[i] : undefined;
    if (!t) throw this.typeError(`input ${i} is required but ${this.has(i) ? `'${this.node.inputs[i]}' has no known shape` : 'is missing'}`);
    return t;
  }

  /** The shape of input `i`. */
  shape(i: number): number[] {
    return this.input(i).shape;
  }

  /** The type of input `i`, or undefined when omitted. */
  optional(i: number): TensorType | undefined {
    return this.has(i) ? this.input(i) : undefined;
  }

  /** Input `i`'s constant value, or undefined (omitted or computed at run time). */
  value(i: number): InitializerTensor | undefined {
    return this.has(i) ? this.values[i] : undefined;
  }

  /** Input `i`'s value, which the shapes depend on: TypeError when it is not a constant by now. */
  param(i: number, what: string): InitializerTensor {
    const v = this.value(i);
    if (!v) {
      throw this.typeError(`${this.label(i)} (${what}) must be a constant when the plan is built (an initializer, a value computable from shapes, or a fed input baked into the plan)`);
    }
    return v;
  }

  /** Integer values of parameter input `i` (int32 or int64). */
  intParam(i: number, what: string): number[] {
    const v = this.param(i, what);
    if (!INTEGER_TYPES.includes(v.type)) throw this.typeError(`${this.label(i)} (${what}) must be int64 or int32, got ${v.type}`);
    return integerValues(v);
  }

  attr(name: string): AttributeValue | undefined {
    return this.node.attributes.get(name);
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const a = this.attr(name);
    if (!a) return fallback;
    if (a.type !== 'int') throw this.typeError(`attribute '${name}' must be an int, got ${a.type}`);
    return Number(a.value);
  }

  ints(name: string): number[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    if (a.type !== 'ints') throw this.typeError(`attribute '${name}' must be a list of ints, got ${a.type}`);
    return a.value.map((v) => Number(v));
  }

  float(name: string, fallback: number): number {
    const a = this.attr(name);
    if (!a) return fallback;
    if (a.type !== 'float') throw this.typeError(`attribute '${name}' must be a float, got ${a.type}`);
    return a.value;
  }

  floats(name: string): number[] | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    if (a.type !== 'floats') throw this.typeError(`attribute '${name}' must be a list of floats, got ${a.type}`);
    return a.value;
  }

  string(name: string, fallback: string): string {
    const a = this.attr(name);
    if (!a) return fallback;
    if (a.type !== 'string') throw this.typeError(`attribute '${name}' must be a string, got ${a.type}`);
    return a.value;
  }

  tensor(name: string): InitializerTensor | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    if (a.type !== 'tensor') throw this.typeError(`attribute '${name}' must be a tensor, got ${a.type}`);
    return a.value;
  }

  /** `axis` normalized into [0, rank); RangeError naming `what` when outside [-rank, rank). */
  axis(axis: number, rank: number, what = 'axis'): number {
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      throw this.rangeError(`${what} ${axis} is out of range [${-rank}, ${rank - 1}] for rank ${rank}`);
    }
    return axis < 0 ? axis + rank : axis;
  }

  /** Normalized, checked distinct axes. */
  axes(axes: readonly number[], rank: number, what = 'axes'): number[] {
    const out = axes.map((a) => this.axis(a, rank, what));
    if (new Set(out).size !== out.length) throw this.rangeError(`${what} [${axes.join(',')}] has a repeated axis`);
    return out;
  }

  /** TypeError unless input `i` has one of `allowed` element types. */
  requireType(i: number, allowed: readonly OnnxElemType[], what?: string): OnnxElemType {
    const t = this.input(i).elemType;
    if (!allowed.includes(t)) {
      throw this.typeError(`${what ?? this.label(i)} must be ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`}, got ${t}`);
    }
    return t;
  }

  /** TypeError unless the given inputs (when present) have input `first`'s element type. */
  sameType(first: number, ...others: number[]): OnnxElemType {
    const t = this.input(first).elemType;
    for (const i of others) {
      if (!this.has(i)) continue;
      const u = this.input(i).elemType;
      if (u !== t) throw this.typeError(`${this.label(i)} must have the element type of ${this.label(first)}: expected ${t}, got ${u}`);
    }
    return t;
  }

  /** RangeError unless input `i` has rank `rank` (or one of the ranks). */
  requireRank(i: number, ranks: number | readonly number[], what?: string): number[] {
    const s = this.shape(i);
    const allowed = typeof ranks === 'number' ? [ranks] : ranks;
    if (!allowed.includes(s.length)) {
      throw this.rangeError(`${what ?? this.label(i)} must have rank ${allowed.join(' or ')}, got shape ${formatShape(s)}`);
    }
    return s;
  }
}
