// valueLifetimes / storageLifetimes: def and last use per value; a storage group lives until its last alias.
import { describe, expect, it } from 'vitest';
import { storageLifetimes, valueLifetimes } from '../../lib/schedule/index.js';
import { buildGraph, f32, n } from '../graph/passes/ir-builder.js';

describe('lifetimes', () => {
  const g = buildGraph({
    inputs: [['X', [4]]],
    outputs: ['Y'],
    nodes: [
      n('Op', ['X', 'K'], ['a', 'unused']),
      n('View', ['a'], ['av']),
      n('Op', ['a'], ['b']),
      n('Op', ['b', 'av'], ['Y']),
    ],
    constants: [f32('K', [1])],
  });

  it('records the defining step, the last reading step, outputs to the end, unread values at their definition', () => {
    const l = valueLifetimes(g, g.nodes);
    expect(l.get('X')).toEqual({ def: -1, lastUse: 0 });
    expect(l.get('K')).toEqual({ def: -1, lastUse: 0 });
    expect(l.get('a')).toEqual({ def: 0, lastUse: 2 });
    expect(l.get('unused')).toEqual({ def: 0, lastUse: 0 });
    expect(l.get('av')).toEqual({ def: 1, lastUse: 3 });
    expect(l.get('Y')).toEqual({ def: 3, lastUse: 4 });
  });

  it('a view keeps its input bytes alive until the view is last read', () => {
    const groups = storageLifetimes(valueLifetimes(g, g.nodes), new Map([['av', 'a']]));
    expect(groups.get('a')).toEqual({ root: 'a', members: ['a', 'av'], start: 0, end: 3 });
    expect(groups.has('av')).toBe(false);
  });
});
