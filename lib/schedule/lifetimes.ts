/**
 * When each value lives, in steps of the execution order: defined at the position of the node that
 * writes it, alive through the last position that reads it. Values that share bytes (a view and its
 * input, an in-place output and its input) form one storage group, which lives from its first
 * definition to the last use of any member: a view's bytes live as long as its last alias.
 */
import type { IrGraph, IrNode } from '../graph/ir.js';

export interface Lifetime {
  /** Position of the writing node in the order; -1 for graph inputs and constants. */
  def: number;
  /** Last position reading the value; order.length for graph outputs; def when nothing reads it. */
  lastUse: number;
}

/** Every value named by a node or a graph output, with its lifetime. */
export function valueLifetimes(g: IrGraph, order: readonly IrNode[]): Map<string, Lifetime> {
  const lifetimes = new Map<string, Lifetime>();
  const at = (name: string): Lifetime => {
    let l = lifetimes.get(name);
    if (!l) lifetimes.set(name, (l = { def: -1, lastUse: -1 }));
    return l;
  };
  order.forEach((node, step) => {
    for (const name of node.inputs) if (name !== '') at(name).lastUse = step;
    for (const name of node.outputs) {
      if (name === '') continue;
      const l = at(name);
      l.def = step;
      l.lastUse = Math.max(l.lastUse, step);
    }
  });
  for (const o of g.outputs) at(o.name).lastUse = order.length;
  return lifetimes;
}

export interface StorageLifetime {
  /** The member that owns the bytes (the one the others alias, directly or through each other). */
  root: string;
  members: string[];
  /** First definition and last use over all members (inclusive). */
  start: number;
  end: number;
}

/** Follows `aliasOf` (value → the value whose bytes it shares) to the owner of the bytes. */
export function aliasRoot(aliasOf: ReadonlyMap<string, string>, name: string): string {
  let root = name;
  for (let guard = 0; aliasOf.has(root); ++guard) {
    if (guard > aliasOf.size) throw new Error(`alias cycle through value '${name}'`);
    root = aliasOf.get(root)!;
  }
  return root;
}

/** Groups values by the bytes they share; keyed by root. Values not in `lifetimes` are ignored. */
export function storageLifetimes(lifetimes: ReadonlyMap<string, Lifetime>, aliasOf: ReadonlyMap<string, string>): Map<string, StorageLifetime> {
  const groups = new Map<string, StorageLifetime>();
  for (const [name, l] of lifetimes) {
    const root = aliasRoot(aliasOf, name);
    let group = groups.get(root);
    if (!group) groups.set(root, (group = { root, members: [], start: l.def, end: l.lastUse }));
    group.members.push(name);
    group.start = Math.min(group.start, l.def);
    group.end = Math.max(group.end, l.lastUse);
  }
  return groups;
}
