/**
 * OnnxModel → IrGraph: the model's graph copied into the mutable IR the passes work on. Constant
 * nodes become constants; every node gets a name and its domain's opset (opset 1-6 attribute forms
 * upgraded where no shapes are needed, see legacy-opsets.ts); the graph is checked for
 * what would make later stages misbehave (a value produced twice, an input nothing produces, a cycle)
 * and its nodes are put in topological order. checkSupported() then holds it against the operator table.
 */
import { constantValue } from '../onnx/attributes.js';
import type { OnnxModel, TypeInfo } from '../onnx/model.js';
import type { IrGraph, IrNode, IrValueType } from './ir.js';
import { legacyProblem, upgradeLegacyAttributes } from './legacy-opsets.js';
import { normalizeDomain, operatorInfo, operatorLabel } from './operators.js';

function tensorType(info: TypeInfo, what: string): IrValueType {
  if (info.kind !== 'tensor') throw new TypeError(`${what} is ${/^[aeiou]/.test(info.kind) ? 'an' : 'a'} ${info.kind} value; only tensors are supported`);
  return { elemType: info.elemType, shape: info.shape ? [...info.shape] : null };
}

/** Builds the IR of a model. Errors name the node and value at fault. */
export function graphFromModel(model: OnnxModel): IrGraph {
  const opsets = new Map<string, number>();
  for (const [domain, version] of model.opsetImports) opsets.set(normalizeDomain(domain), version);
  if (!opsets.has('')) throw new Error('graphFromModel: the model does not import the default domain (ai.onnx): no opset version to interpret its operators with');
  const src = model.graph;
  const g: IrGraph = { inputs: [], outputs: [], nodes: [], constants: new Map(), types: new Map(), opsets, nextId: 0 };

  // Who produces each value, for "produced twice" and "produced by nothing" errors.
  const producer = new Map<string, string>();
  const produce = (value: string, by: string) => {
    if (value === '') return;
    const earlier = producer.get(value);
    if (earlier !== undefined) throw new Error(`graphFromModel: value '${value}' is produced twice: by ${earlier} and by ${by}`);
    producer.set(value, by);
  };

  for (const [name, t] of src.initializers) {
    produce(name, `initializer '${name}'`);
    g.constants.set(name, t);
    g.types.set(name, { elemType: t.type, shape: [...t.dims] });
  }
  for (const v of src.inputs) {
    produce(v.name, `graph input '${v.name}'`);
    const type = tensorType(v, `graph input '${v.name}'`);
    g.inputs.push({ name: v.name, type });
    g.types.set(v.name, { elemType: type.elemType, shape: type.shape && [...type.shape] });
  }
  for (const v of src.valueInfo.values()) {
    if (v.kind === 'tensor' && !g.types.has(v.name)) g.types.set(v.name, tensorType(v, `value_info '${v.name}'`));
  }

  const usedNames = new Set(src.nodes.map((n) => n.name).filter((n) => n !== ''));
  const nodes: IrNode[] = [];
  src.nodes.forEach((n, index) => {
    const domain = normalizeDomain(n.domain);
    let name = n.name;
    if (name === '') {
      // "<opType>_<index>", made unique if the model already uses that name.
      name = `${n.opType}_${index}`;
      for (let k = 1; usedNames.has(name); k++) name = `${n.opType}_${index}_${k}`;
      usedNames.add(name);
    }
    const where = `node '${name}' (${operatorLabel(domain, n.opType)})`;
    if (n.opType === 'Constant' && domain === '') {
      let t;
      try {
        t = constantValue(n);
      } catch (e) {
        throw new TypeError(`graphFromModel: ${where}: ${(e as Error).message.replace(/^constantValue: /, '')}`);
      }
      if (t.type === 'string') throw new TypeError(`graphFromModel: ${where}: string constants are not supported`);
      const out = n.outputs[0] ?? '';
      if (out === '') return;
      produce(out, where);
      g.constants.set(out, t);
      g.types.set(out, { elemType: t.type, shape: [...t.dims] });
      return;
    }
    const opset = opsets.get(domain);
    if (opset === undefined) {
      throw new Error(`graphFromModel: ${where} uses domain '${domain}', which the model does not import (no opset version)`);
    }
    for (const o of n.outputs) produce(o, where);
    const node: IrNode = {
      id: g.nextId++,
      opType: n.opType,
      domain,
      name,
      opset,
      inputs: [...n.inputs],
      outputs: [...n.outputs],
      attributes: new Map(n.attributes),
    };
    upgradeLegacyAttributes(node);
    nodes.push(node);
  });

  for (const node of nodes) {
    for (const input of node.inputs) {
      if (input !== '' && !producer.has(input)) {
        throw new Error(`graphFromModel: node '${node.name}' (${operatorLabel(node.domain, node.opType)}) reads value '${input}', which no node, graph input or initializer produces`);
      }
    }
  }
  for (const v of src.outputs) {
    if (!producer.has(v.name)) throw new Error(`graphFromModel: graph output '${v.name}' is not produced by any node, graph input or initializer`);
    // An output declared without a type (exporters and tools that list outputs by name) is inferred.
    const type: IrValueType = v.kind === 'unknown' ? { elemType: 'undefined', shape: null } : tensorType(v, `graph output '${v.name}'`);
    g.outputs.push({ name: v.name, type });
    // Declared output types fill gaps only: an initializer's or Constant's own type is exact.
    if (!g.types.has(v.name) && v.kind !== 'unknown') g.types.set(v.name, { elemType: type.elemType, shape: type.shape && [...type.shape] });
  }
  g.nodes = nodes;
  g.nodes = topologicalOrder(g);
  return g;
}

/**
 * g's nodes in an order where every node comes after the producers of its inputs, as close to the
 * current order as possible (depth-first from each node in turn). Error naming the nodes of a cycle.
 */
export function topologicalOrder(g: IrGraph): IrNode[] {
  const producerOf = new Map<string, IrNode>();
  for (const n of g.nodes) for (const o of n.outputs) if (o !== '') producerOf.set(o, n);
  const state = new Map<IrNode, 1 | 2>(); // 1 = on the current path, 2 = emitted
  const order: IrNode[] = [];
  for (const root of g.nodes) {
    if (state.has(root)) continue;
    // Iterative DFS: each frame is a node and the index of the next input to visit.
    const stack: [IrNode, number][] = [[root, 0]];
    state.set(root, 1);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const [node, next] = frame;
      if (next < node.inputs.length) {
        frame[1]++;
        const dep = producerOf.get(node.inputs[next]!);
        if (!dep || state.get(dep) === 2) continue;
        if (state.get(dep) === 1) {
          const path = stack.map(([n]) => n);
          const cycle = path.slice(path.indexOf(dep)).map((n) => `'${n.name}'`);
          throw new Error(`the graph has a cycle through nodes ${cycle.join(' → ')} → '${dep.name}' (value '${node.inputs[next]}')`);
        }
        state.set(dep, 1);
        stack.push([dep, 0]);
      } else {
        stack.pop();
        state.set(node, 2);
        order.push(node);
      }
    }
  }
  return order;
}

/**
 * Throws a TypeError unless every node is in the operator table (lib/graph/operators.ts) for its
 * opset, its opset 1-6 form can be mapped (legacy-opsets.ts), and no node carries a subgraph (If,
 * Loop, Scan: control flow is not supported).
 */
export function checkSupported(g: IrGraph): void {
  for (const node of g.nodes) {
    const label = operatorLabel(node.domain, node.opType);
    const domain = normalizeDomain(node.domain);
    const version = domain === '' ? `opset ${node.opset}` : `domain '${domain}', opset ${node.opset}`;
    const head = `unsupported operator '${node.opType}' (${version}) at node '${node.name}'`;
    const hasSubgraph = [...node.attributes.values()].some((a) => a.type === 'graph' || a.type === 'graphs');
    if (hasSubgraph) throw new TypeError(`${head}: operators with subgraphs (control flow) are not supported`);
    const info = operatorInfo(domain, node.opType);
    if (!info) throw new TypeError(head);
    const problem = legacyProblem(node);
    if (problem !== undefined) throw new TypeError(`${head}: ${problem}`);
    if (node.opset < info.minOpset || node.opset > info.maxOpset) {
      throw new TypeError(`${head}: ${label} is supported for opsets ${info.minOpset} to ${info.maxOpset}`);
    }
  }
}
