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

/**
 * What `JSON.parse(toJsonText(x))` gives back for an `x: T`: every number may come back null
 * (NaN and ±Infinity are written so), and nothing is readonly any more. Wire and file formats
 * derive from the in-memory types with it instead of restating them.
 */
export type Json<T> = T extends number
  ? number | null
  : T extends string | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { -readonly [K in keyof T]: Json<T[K]> }
        : T;
