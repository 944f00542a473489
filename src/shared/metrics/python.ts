// Python string semantics that CrossFit's reference metrics rely on. JS built-ins differ at
// the edges (which characters are whitespace, what float() accepts), and a metric computed
// with the JS defaults drifts from the published numbers on real model output.

/**
 * Characters for which Python's str.isspace() is true: JS `\s` minus U+FEFF, plus the
 * information separators U+001C..U+001F and U+0085 (NEL).
 */
const PY_WHITESPACE = '\\t\\n\\v\\f\\r \\u001c-\\u001f\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WS_RUN = new RegExp(`[${PY_WHITESPACE}]+`, 'u');
const WS_EDGES = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, 'gu');

/** Python `s.split()` (no argument): split on whitespace runs, drop empty pieces. */
export function pySplit(s: string): string[] {
  return s.split(WS_RUN).filter((w) => w.length > 0);
}

/** Python `s.strip()` (no argument). */
export function pyStrip(s: string): string {
  return s.replace(WS_EDGES, '');
}

/** Python's `string.punctuation`: ASCII only, so curly quotes and dashes are NOT removed. */
const PY_PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

export function removePunctuation(s: string): string {
  let out = '';
  for (const ch of s) if (!PY_PUNCTUATION.has(ch)) out += ch;
  return out;
}

// Python's float() literal grammar: optional sign, digits that may hold single underscores
// between digits, optional fraction and exponent; or inf/infinity/nan in any case.
const DIGITS = '[0-9](?:_?[0-9])*';
const PY_FLOAT = new RegExp(
  `^[+-]?(?:(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf|infinity|nan)$`,
  'i',
);

/**
 * Python `float(s)`; returns undefined where Python raises ValueError.
 * (Non-ASCII decimal digits, which Python also accepts, are not supported.)
 */
export function pyFloat(s: string): number | undefined {
  const t = pyStrip(s);
  if (!PY_FLOAT.test(t)) return undefined;
  const lower = t.toLowerCase().replace(/_/g, '');
  const sign = lower.startsWith('-') ? -1 : 1;
  const body = lower.replace(/^[+-]/, '');
  if (body === 'inf' || body === 'infinity') return sign * Infinity;
  if (body === 'nan') return NaN;
  return Number(lower);
}
