// tf.variableGrads, with a backward pass that frees memory as it goes. tfjs 4.22's own keeps every
// intermediate gradient and every tensor saved for the backward alive until the whole backward has
// run; on bart-base that doubles the wasm heap a step needs (README, "Where the base step's memory
// goes"). Walking the tape in reverse, a node's output gradients and its saved tensors are not
// needed once its own input gradients are computed: each is disposed then. The arithmetic is
// tfjs' own (the same gradient functions in the same order), so results are the same bit for bit.
//
// It reads the engine's tape (tf.engine().state.activeTape, startTape / endTape), which is internal
// to tfjs: the tests run it against tf.variableGrads on every backend they use.
import * as tf from '@tensorflow/tfjs';

interface TapeNode {
  id: number;
  kernelName: string;
  outputs: tf.Tensor[];
  inputs: Record<string, tf.Tensor>;
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

/** The nodes on a path from xs to y, each with only its inputs that depend on xs (tfjs' getFilteredNodesXToY). */
function nodesFromXsToY(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodesToY.add(node.id);
    }
  }
  return tape.filter((n) => nodesFromX.has(n.id) && nodesToY.has(n.id)).map((n) => ({
    ...n, inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, t]) => fromX.has(t.id))),
  }));
}

/**
 * f's value and its gradients with respect to `vars`, by variable name, as tf.variableGrads gives
 * them; the caller disposes both. Nested inside another gradient computation (higher order), saved
 * tensors stay for the outer one.
 */
export function variableGrads(f: () => tf.Scalar, vars: readonly tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  if (vars.length === 0) throw new RangeError('variableGrads: no variables to differentiate');
  const engine = tf.engine() as unknown as EngineInternals;
  const y = engine.scopedRun(() => engine.startTape(), () => engine.endTape(), () => engine.tidy('forward', f));
  if (!(y instanceof tf.Tensor) || y.rank !== 0) throw new TypeError('variableGrads: f must return a scalar tensor');
  const tape = engine.state.activeTape ?? [];
  const nodes = nodesFromXsToY(tape, vars, y);
  const outermost = engine.state.gradientDepth === 0;
  const wanted = new Set(vars.map((v) => v.id));
  return engine.tidy('backward', () => {
    const grad = new Map<number, tf.Tensor>([[y.id, tf.onesLike(y)]]);
    // A gradient function may hand a tensor on as it is (dy itself, or one tensor to two inputs):
    // a tensor is freed only when no gradient still held holds it.
    const held = (t: tf.Tensor) => {
      for (const g of grad.values()) if (g === t) return true;
      return false;
    };
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      if (!node.gradient) throw new Error(`variableGrads: no gradient for ${node.kernelName}`);
      const dys = node.outputs.map((o) => grad.get(o.id) ?? null);
      const thunks = node.gradient(dys);
      for (const [name, x] of Object.entries(node.inputs)) {
        const thunk = thunks[name];
        if (!thunk) throw new Error(`variableGrads: ${node.kernelName} gives no gradient for its input ${name}`);
        const dx = tf.tidy(thunk);
        if (dx.dtype !== 'float32') throw new Error(`variableGrads: the gradient of ${node.kernelName}'s ${name} is ${dx.dtype}, not float32`);
        if (!tf.util.arraysEqual(dx.shape, x.shape)) throw new Error(`variableGrads: the gradient of ${node.kernelName}'s ${name} has shape ${dx.shape}, not ${x.shape}`);
        const cur = grad.get(x.id);
        if (cur === undefined) grad.set(x.id, dx);
        else {
          grad.set(x.id, tf.add(cur, dx));
          if (!held(cur)) cur.dispose();
          // (One of this node's dys is freed below, once every input has had it.)
          if (!held(dx) && !dys.includes(dx)) dx.dispose();
        }
      }
      // What this node needed is spent: its outputs' gradients (unless a wanted one) and, outside
      // a higher-order gradient, its saved tensors.
      node.outputs.forEach((o, k) => {
        const dy = dys[k];
        if (!dy || wanted.has(o.id)) return;
        grad.delete(o.id);
        if (!held(dy)) dy.dispose();
      });
      if (outermost) for (const t of node.saved ?? []) t.dispose();
    }
    const grads: tf.NamedTensorMap = {};
    for (const v of vars) {
      const g = grad.get(v.id);
      grads[v.name] = g ?? tf.zerosLike(v);
    }
    if (outermost) {
      for (const node of tape) for (const t of node.saved ?? []) t.dispose();
      engine.state.activeTape = null;
    }
    return { value: y, grads };
  });
}
