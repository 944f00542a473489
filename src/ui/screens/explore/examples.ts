// What the Explore screen reads from its text boxes: examples for tuning ("input<TAB>output", one
// per line, more tabs for more acceptable outputs) and sample inputs for the walk (one per line).

export interface TypedExample {
  input: string;
  outputs: string[];
}

/** Blank lines are skipped; a line without an input and an output throws, naming it. */
export function parseExamples(text: string): TypedExample[] {
  const out: TypedExample[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const parts = line.split('\t');
    if (parts.length < 2 || !parts[0]!.trim() || !parts[1]!.trim()) throw new Error(`line ${i + 1}: expected "input<TAB>output", got ${JSON.stringify(line.slice(0, 60))}`);
    out.push({ input: parts[0]!.trim(), outputs: parts.slice(1).map((s) => s.trim()).filter(Boolean) });
  });
  return out;
}

/** The walk decodes at most this many inputs per point. */
export const MAX_WALK_INPUTS = 8;

export function parseSampleInputs(text: string): string[] {
  return text.split(/\r?\n/).map((s) => s.trim()).filter(Boolean).slice(0, MAX_WALK_INPUTS);
}
