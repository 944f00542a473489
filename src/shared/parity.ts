// One row of a parity report: how far one recomputed tensor of the reference fixture is from the
// PyTorch reference. Computed by src/engine/parity.ts (CLI and engine worker), shown by the UI.

export interface ParityRow {
  max_abs_err: number;
  /** Tensors: max_abs_err / max|reference|; scalars: |ours - ref| / |ref|. */
  max_rel_err: number;
  ok: boolean;
}
