// Sequence losses over logits [B, Tt, V] and labels [B, Tt] (pad positions ignored).
// The label pick is a gather whose gradient we write as a scatter: tfjs' own gather gradient
// needs UnsortedSegmentSum, which the stock wasm backend lacks.
import * as tf from '@tensorflow/tfjs';

/** x [N, V], idx int32 [N] -> x[n, idx[n]] [N], differentiable in x on every backend. */
function pickColumns(x: tf.Tensor2D, idx: tf.Tensor1D): tf.Tensor1D {
  const [N, V] = x.shape;
  // idx travels as an input (not a closure) so the engine keeps it alive for the backward pass.
  const f = tf.customGrad(((xx: tf.Tensor, ii: tf.Tensor, save: tf.GradSaveFunc) => {
    save([ii]);
    const flat = tf.range(0, N, 1, 'int32').mul(tf.scalar(V, 'int32')).add(ii); // [N]
    const value = tf.gather(xx.reshape([N * V]), flat) as tf.Tensor1D;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const ids = saved[0]!;
      // Scatter dy into zeros [N*V] at n*V + idx[n]: exact, and far cheaper on wasm than a
      // broadcast equal() building a one-hot [N, V].
      const at = tf.range(0, N, 1, 'int32').mul(tf.scalar(V, 'int32')).add(ids).expandDims(1); // [N, 1]
      return [tf.scatterND(at, dy.reshape([N]), [N * V]).reshape([N, V]), tf.zerosLike(ids)];
    };
    return { value, gradFunc };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor1D)(x, idx.toInt());
}

function flatten(logits: tf.Tensor3D, labels: tf.Tensor2D): { lp: tf.Tensor2D; y: tf.Tensor1D } {
  const [B, T, V] = logits.shape;
  if (labels.shape[0] !== B || labels.shape[1] !== T) throw new Error(`loss: labels [${labels.shape}] do not match logits [${logits.shape}]`);
  const lp = tf.logSoftmax(logits.reshape([B * T, V]) as tf.Tensor2D); // [N, V]
  return { lp, y: labels.reshape([B * T]).toInt() as tf.Tensor1D };
}

/**
 * fairseq's label_smoothed_nll_loss as the reference calls it (reduce=True):
 * (1 - eps) * sum(nll) + (eps / V) * sum(-sum_v logp), over non-pad labels. A SUM, not a mean.
 */
export function labelSmoothedNllSum(logits: tf.Tensor3D, labels: tf.Tensor2D, padId: number, epsilon = 0.1): tf.Scalar {
  return tf.tidy(() => {
    const V = logits.shape[2];
    const { lp, y } = flatten(logits, labels);
    const keep = tf.notEqual(y, padId).toFloat(); // [N]
    const nll = pickColumns(lp, y).neg().mul(keep).sum();
    const smooth = lp.sum(1).neg().mul(keep).sum();
    return nll.mul(1 - epsilon).add(smooth.mul(epsilon / V)) as tf.Scalar;
  });
}

/** labelSmoothedNllSum per example [B]: row b's sum over its own non-pad labels. */
export function labelSmoothedNllRows(logits: tf.Tensor3D, labels: tf.Tensor2D, padId: number, epsilon = 0.1): tf.Tensor1D {
  return tf.tidy(() => {
    const [B, T, V] = logits.shape;
    const { lp, y } = flatten(logits, labels);
    const keep = tf.notEqual(y, padId).toFloat(); // [N]
    const nll = pickColumns(lp, y).neg().mul(keep);
    const smooth = lp.sum(1).neg().mul(keep);
    return nll.mul(1 - epsilon).add(smooth.mul(epsilon / V)).reshape([B, T]).sum(1) as tf.Tensor1D;
  });
}

/** Plain cross entropy averaged over non-pad labels. */
export function meanCrossEntropy(logits: tf.Tensor3D, labels: tf.Tensor2D, padId: number): tf.Scalar {
  return tf.tidy(() => {
    const { lp, y } = flatten(logits, labels);
    const keep = tf.notEqual(y, padId).toFloat();
    return pickColumns(lp, y).neg().mul(keep).sum().div(keep.sum().maximum(1)) as tf.Scalar;
  });
}

/** Per-example summed log-likelihood of the labels [B] (no smoothing), e.g. for ranking options. */
export function sequenceLogLikelihood(logits: tf.Tensor3D, labels: tf.Tensor2D, padId: number): tf.Tensor1D {
  return tf.tidy(() => {
    const [B, T] = labels.shape;
    const { lp, y } = flatten(logits, labels);
    const keep = tf.notEqual(y, padId).toFloat();
    return pickColumns(lp, y).mul(keep).reshape([B, T]).sum(1) as tf.Tensor1D;
  });
}
