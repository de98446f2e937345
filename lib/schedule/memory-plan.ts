/**
 * The memory plan: where every value of one run lives. Graph inputs, constants and graph outputs have
 * their own buffers; every other value gets a 64-byte-aligned range of one arena, and values whose
 * lifetimes do not overlap share bytes.
 *
 * Sharing without copies:
 * - a view (Reshape, Flatten, Squeeze, ...) aliases its input's bytes, unless its output is a graph
 *   output (then it has its own buffer and the operator copies);
 * - an operator marked in-place writes output 0 over input 0 when input 0 dies there, lives in the
 *   arena, and has the same shape and element size (and no other input reads the same bytes under
 *   another name).
 * Each storage group (a value and its aliases) is then one interval [first def, last use]; offsets are
 * chosen by three greedy heuristics (by size, by start time, and by start time alternating between
 * the bottom and the top of the lower bound, which is optimal on chains), keeping the lowest peak.
 */
import type { OnnxElemType } from '../onnx/model.js';
import type { IrGraph, IrNode } from '../graph/ir.js';
import { operatorInfo } from '../graph/operators.js';
import { aliasRoot, storageLifetimes, valueLifetimes, type StorageLifetime } from './lifetimes.js';

export const ARENA_ALIGNMENT = 64;

const ELEMENT_BYTES: Partial<Record<OnnxElemType, number>> = {
  float32: 4,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
  float16: 2,
  float64: 8,
  uint32: 4,
  uint64: 8,
};

/** Bytes per element of a type the runtime stores, or undefined. */
export function elementBytes(t: OnnxElemType): number | undefined {
  return ELEMENT_BYTES[t];
}

export interface OperatorTraits {
  inPlace: boolean;
  view: boolean;
}
export type TraitsLookup = (domain: string, opType: string) => OperatorTraits;

/** The traits from the supported-operator table; an operator it does not know gets neither. */
export const tableTraits: TraitsLookup = (domain, opType) => {
  try {
    const info = operatorInfo(domain, opType) as Partial<OperatorTraits> | undefined;
    return { inPlace: info?.inPlace === true, view: info?.view === true };
  } catch {
    return { inPlace: false, view: false };
  }
};

export type ValueStorage =
  | { kind: 'arena'; offset: number; bytes: number }
  /** Shares the bytes of `of`, the owner of a storage group (never itself an alias). */
  | { kind: 'alias'; of: string }
  | { kind: 'input' }
  | { kind: 'constant' }
  | { kind: 'output' };

export interface MemoryPlan {
  order: IrNode[];
  storage: Map<string, ValueStorage>;
  /** Nodes whose output 0 is written over their input 0. */
  inPlace: Set<IrNode>;
  /** Arena bytes one run needs (a multiple of 64). */
  peakBytes: number;
  /** No placement can need fewer bytes: the most bytes alive at one step. */
  lowerBoundBytes: number;
  /** Arena storage groups with their intervals (for checks and diagnostics). */
  groups: StorageLifetime[];
}

export interface MemoryPlanOptions {
  traits?: TraitsLookup;
  /**
   * May a view alias this constant? Native compares a read-only view's storage with its input's, which
   * works for session initializers (by index) but not for constants passed inline. Default: all.
   */
  shareableConstant?: (name: string) => boolean;
}

function alignUp(n: number): number {
  return Math.ceil(n / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;
}

/** Byte size of a value from its concrete type; throws naming the value otherwise. */
export function valueBytes(g: IrGraph, name: string): number {
  const c = g.constants.get(name);
  const elemType = c ? c.type : g.types.get(name)?.elemType;
  const shape = c ? c.dims : g.types.get(name)?.shape;
  if (!elemType || !shape) throw new Error(`value '${name}' has no known type and shape`);
  const size = elementBytes(elemType);
  if (size === undefined) throw new TypeError(`value '${name}' has element type ${elemType}, which the runtime does not store`);
  let count = 1;
  for (const d of shape) {
    if (typeof d !== 'number') throw new Error(`value '${name}' has a non-concrete shape [${shape.join(', ')}]`);
    count *= d;
  }
  return count * size;
}

function sameShape(g: IrGraph, a: string, b: string): boolean {
  const sa = g.constants.get(a)?.dims ?? g.types.get(a)?.shape;
  const sb = g.constants.get(b)?.dims ?? g.types.get(b)?.shape;
  return !!sa && !!sb && sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

export function planMemory(g: IrGraph, order: readonly IrNode[], options: MemoryPlanOptions = {}): MemoryPlan {
  const traits = options.traits ?? tableTraits;
  const shareableConstant = options.shareableConstant ?? (() => true);
  const graphInputs = new Set(g.inputs.map((i) => i.name));
  const graphOutputs = new Set(g.outputs.map((o) => o.name));
  const lifetimes = valueLifetimes(g, order);

  // Where each value would live on its own.
  const own = new Map<string, 'arena' | 'input' | 'constant' | 'output'>();
  for (const name of lifetimes.keys()) {
    if (g.constants.has(name)) own.set(name, 'constant');
    else if (graphInputs.has(name)) own.set(name, 'input');
    else if (graphOutputs.has(name)) own.set(name, 'output');
    else if (lifetimes.get(name)!.def >= 0) own.set(name, 'arena');
    else throw new Error(`value '${name}' is read but no node, graph input or constant provides it`);
  }
  const bytes = new Map<string, number>();
  for (const name of lifetimes.keys()) bytes.set(name, valueBytes(g, name));

  // Views first: they do not depend on lifetimes.
  const aliasOf = new Map<string, string>();
  for (const node of order) {
    const out = node.outputs[0] ?? '';
    const input = node.inputs[0] ?? '';
    if (!traits(node.domain, node.opType).view || out === '' || input === '' || own.get(out) !== 'arena') continue;
    if (bytes.get(out) !== bytes.get(input)) continue;
    const root = aliasRoot(aliasOf, input);
    const rootKind = own.get(root);
    if (rootKind === 'output') continue; // one buffer per result: the view copies instead
    if (rootKind === 'constant' && !shareableConstant(root)) continue;
    aliasOf.set(out, input);
  }

  // Storage groups of arena values (constants, inputs and their views need no arena bytes).
  const arenaLifetimes = new Map([...lifetimes].filter(([name]) => own.get(aliasRoot(aliasOf, name)) === 'arena'));
  const groups = storageLifetimes(arenaLifetimes, aliasOf);
  const groupOf = (name: string): StorageLifetime | undefined => groups.get(aliasRoot(aliasOf, name));

  // In place: output 0 over input 0 when input 0's bytes die at this node.
  const inPlace = new Set<IrNode>();
  order.forEach((node, step) => {
    const out = node.outputs[0] ?? '';
    const input = node.inputs[0] ?? '';
    if (out === '' || input === '' || aliasOf.has(out) || own.get(out) !== 'arena') return;
    const t = traits(node.domain, node.opType);
    if (!t.inPlace || t.view) return;
    const target = groupOf(input);
    if (!target || target.end !== step || bytes.get(out) !== bytes.get(input) || !sameShape(g, out, input)) return;
    const outType = g.types.get(out)?.elemType;
    const inType = g.types.get(input)?.elemType;
    if (!outType || !inType || elementBytes(outType) !== elementBytes(inType)) return;
    // Another operand reading the same bytes under another name (a view of input 0) could be read
    // after its element was overwritten; the same name is read at the same index, which is safe.
    if (node.inputs.some((v, i) => i > 0 && v !== '' && v !== input && aliasRoot(aliasOf, v) === target.root)) return;
    const mine = groups.get(out)!;
    aliasOf.set(out, input);
    target.members.push(...mine.members);
    target.end = Math.max(target.end, mine.end);
    groups.delete(out);
    inPlace.add(node);
  });

  const arenaGroups = [...groups.values()];
  const items = arenaGroups.map((grp) => ({ size: alignUp(bytes.get(grp.root)!), start: grp.start, end: grp.end }));
  const { offsets, peak, lowerBound } = allocate(items);

  const storage = new Map<string, ValueStorage>();
  arenaGroups.forEach((grp, i) => storage.set(grp.root, { kind: 'arena', offset: offsets[i]!, bytes: bytes.get(grp.root)! }));
  for (const name of lifetimes.keys()) {
    const root = aliasRoot(aliasOf, name);
    if (root !== name) storage.set(name, { kind: 'alias', of: root });
    else if (!storage.has(name)) storage.set(name, { kind: own.get(name) as 'input' | 'constant' | 'output' });
  }
  return { order: [...order], storage, inPlace, peakBytes: peak, lowerBoundBytes: lowerBound, groups: arenaGroups };
}

// ---- Placement -------------------------------------------------------------------------------------

export interface Interval {
  /** Bytes, a multiple of 64 (0: needs no bytes). */
  size: number;
  /** Inclusive step range. */
  start: number;
  end: number;
}

interface Placement {
  offsets: number[];
  peak: number;
}

/** Most bytes alive at one step: no placement can do better. */
function liveBytesBound(items: readonly Interval[]): number {
  const events = new Map<number, number>();
  for (const it of items) {
    events.set(it.start, (events.get(it.start) ?? 0) + it.size);
    events.set(it.end + 1, (events.get(it.end + 1) ?? 0) - it.size);
  }
  let live = 0;
  let best = 0;
  for (const step of [...events.keys()].sort((a, b) => a - b)) {
    live += events.get(step)!;
    best = Math.max(best, live);
  }
  return best;
}

/**
 * Places items one by one in `sequence`. `wantsTop(i, placed, onTop)` asks for the highest gap below
 * `bound` instead of the lowest; onTop[j] tells where an earlier item actually went.
 */
function place(
  items: readonly Interval[],
  sequence: readonly number[],
  bound: number,
  wantsTop: (i: number, placed: readonly number[], onTop: readonly boolean[]) => boolean,
): Placement {
  const offsets = new Array<number>(items.length).fill(0);
  const onTop = new Array<boolean>(items.length).fill(false);
  const placed: number[] = [];
  // The busy ranges of one step, reused for every item: [from, to) pairs in two typed arrays and
  // their order in `busy` (a plan of ~700 values made megabytes of short-lived pair arrays).
  const from = new Float64Array(items.length), to = new Float64Array(items.length);
  const busy: number[] = [];
  let peak = 0;
  for (const i of sequence) {
    const item = items[i]!;
    if (item.size === 0) continue;
    busy.length = 0;
    for (const j of placed) {
      const other = items[j]!;
      if (other.start <= item.end && item.start <= other.end) {
        from[busy.length] = offsets[j]!;
        to[busy.length] = offsets[j]! + other.size;
        busy.push(busy.length);
      }
    }
    busy.sort((a, b) => from[a]! - from[b]!);
    let offset = wantsTop(i, placed, onTop) ? highestGap(busy, from, to, item.size, bound) : -1;
    onTop[i] = offset >= 0;
    if (offset < 0) offset = lowestGap(busy, from, to, item.size);
    offsets[i] = offset;
    placed.push(i);
    peak = Math.max(peak, offset + item.size);
  }
  return { offsets, peak };
}

/** Lowest offset where `size` bytes fit between the busy ranges (`order` sorts them by start; they may overlap). */
function lowestGap(order: readonly number[], from: Float64Array, to: Float64Array, size: number): number {
  let offset = 0;
  for (const k of order) {
    if (offset + size <= from[k]!) return offset;
    offset = Math.max(offset, to[k]!);
  }
  return offset;
}

/** Highest offset with `size` free bytes ending at or below `bound`, or -1. */
function highestGap(order: readonly number[], from: Float64Array, to: Float64Array, size: number, bound: number): number {
  // The union of the busy ranges, as merged [mergedFrom, mergedTo) runs in ascending order.
  const mergedFrom: number[] = [], mergedTo: number[] = [];
  for (const k of order) {
    const last = mergedTo.length - 1;
    if (last >= 0 && from[k]! <= mergedTo[last]!) mergedTo[last] = Math.max(mergedTo[last]!, to[k]!);
    else {
      mergedFrom.push(from[k]!);
      mergedTo.push(to[k]!);
    }
  }
  let gapEnd = bound;
  for (let m = mergedTo.length - 1; m >= 0; --m) {
    if (gapEnd - mergedTo[m]! >= size) return gapEnd - size;
    gapEnd = Math.min(gapEnd, mergedFrom[m]!);
  }
  return gapEnd >= size ? gapEnd - size : -1;
}

/** Offsets for the intervals: the best of the three heuristics. */
export function allocate(items: readonly Interval[]): { offsets: number[]; peak: number; lowerBound: number } {
  const lowerBound = liveBytesBound(items);
  const indices = items.map((_, i) => i);
  const bySize = [...indices].sort((a, b) => items[b]!.size - items[a]!.size || items[a]!.start - items[b]!.start || a - b);
  const byStart = [...indices].sort((a, b) => items[a]!.start - items[b]!.start || items[b]!.size - items[a]!.size || a - b);

  // Ping-pong: the opposite side from the latest-starting overlapping item already placed. On a chain
  // this alternates bottom / top, so neighbours a, b fit whenever a + b <= the lower bound.
  const pingPong = (i: number, placed: readonly number[], onTop: readonly boolean[]): boolean => {
    const a = items[i]!;
    let latest = -1;
    for (const j of placed) {
      const b = items[j]!;
      if (b.start <= a.end && a.start <= b.end && (latest < 0 || b.start >= items[latest]!.start)) latest = j;
    }
    return latest >= 0 && !onTop[latest];
  };

  const candidates = [
    place(items, bySize, lowerBound, () => false),
    place(items, byStart, lowerBound, () => false),
    place(items, byStart, lowerBound, pingPong),
  ];
  let best = candidates[0]!;
  for (const c of candidates) if (c.peak < best.peak) best = c;
  return { offsets: best.offsets, peak: best.peak, lowerBound };
}
