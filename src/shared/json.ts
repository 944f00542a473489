// JSON for results files and worker replies: NaN and ±Infinity are not JSON, so they are written
// as null (an E_rel with no valid task, a score that could not be computed).

/** JSON.stringify's replacer that writes non-finite numbers as null. */
export function finiteOrNull(_key: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

/** `value` as JSON text, non-finite numbers as null. */
export function toJsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, finiteOrNull, indent);
}
