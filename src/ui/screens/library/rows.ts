// The Library's table rows, its filter (from the address: #/library?task=…, ?unit=…, ?study=…) and
// the Explore links of projectors and vectors. Pure.
import type { ArtifactSummary } from '../../../storage/artifactStore';

export interface LibraryFilter {
  readonly task?: string;
  readonly unit?: string;
  readonly study?: string;
}

/** The filter a #/library address carries; unknown parameters are ignored. */
export function parseLibraryQuery(hash: string): LibraryFilter {
  const q = hash.indexOf('?');
  if (q < 0) return {};
  const params = new URLSearchParams(hash.slice(q + 1));
  const out: { task?: string; unit?: string; study?: string } = {};
  for (const key of ['task', 'unit', 'study'] as const) {
    const v = params.get(key);
    if (v) out[key] = v;
  }
  return out;
}

/** The address of the Library filtered to `filter` (the Results screen links rows with it). */
export function libraryHref(filter: LibraryFilter): string {
  const params = new URLSearchParams();
  for (const key of ['task', 'unit', 'study'] as const) if (filter[key]) params.set(key, filter[key]!);
  const q = params.toString();
  return q ? `#/library?${q}` : '#/library';
}

export function describeFilter(f: LibraryFilter): string {
  const parts = [f.task && `task “${f.task}”`, f.unit && `unit ${f.unit}`, f.study && `study ${f.study}`].filter(Boolean);
  return parts.join(', ');
}

export function matchesFilter(s: ArtifactSummary, f: LibraryFilter): boolean {
  if (f.task && !s.tasks.includes(f.task)) return false;
  if (f.unit && (s.origin?.kind !== 'study' || s.origin.unitKey !== f.unit)) return false;
  if (f.study && (s.origin?.kind !== 'study' || s.origin.studyId !== f.study)) return false;
  return true;
}

export interface LibraryRow {
  id: string;
  kind: ArtifactSummary['kind'];
  name: string;
  model: string;
  tasks: string;
  dI: number | null;
  byteLength: number;
  storedAt: number;
  score: number | null;
  source: string;
  summary: ArtifactSummary;
}

/** Projectors list their training tasks: the first few, then how many more. */
const SHOWN_TASKS = 4;

export function libraryRow(s: ArtifactSummary): LibraryRow {
  const t = s.tasks;
  const tasks = t.length <= SHOWN_TASKS ? t.join(', ') : `${t.slice(0, SHOWN_TASKS).join(', ')} and ${t.length - SHOWN_TASKS} more`;
  const setting = typeof s.details.setting === 'string' ? ` (${s.details.setting})` : '';
  const source = s.origin?.kind === 'study' ? `study “${s.origin.studyName}”` : s.origin?.kind === 'import' ? `imported ${s.origin.file}` : '';
  return {
    id: s.id, kind: s.kind, name: s.name, model: s.modelId, tasks: tasks + setting, dI: s.intrinsicDim,
    byteLength: s.byteLength, storedAt: s.storedAt, score: s.score, source, summary: s,
  };
}

/**
 * Where "Open in Explore" goes: a projector by its id; a vector with the projector it was tuned
 * through (its projectorSha256 is that projector's id here, both are the file's SHA-256), or null
 * when the vector names no projector or `stored` says that projector is not in the library.
 * Prompts have no place in Explore.
 */
export function exploreHref(s: ArtifactSummary, stored: (id: string) => boolean): string | null {
  if (s.kind === 'projector') return `#/explore?artifact=${encodeURIComponent(s.id)}`;
  if (s.kind === 'vector') {
    const p = s.details.projectorSha256;
    return typeof p === 'string' && /^[0-9a-f]{64}$/.test(p) && stored(p) ? `#/explore?artifact=${p}&vector=${encodeURIComponent(s.id)}` : null;
  }
  return null;
}
