// The study shipped with the embedded model (`npm run -s ship:study`): read from this site's own
// files (models/<embedded>/study/), never from elsewhere, once per page, for the Start and Results
// screens. A build without them (a fresh clone that has not run the command) says so instead.
import { EMBEDDED_MODEL } from '../../shared/embedded';
import { QUICK_SPLITS, type QuickSplit } from '../../shared/study/quick';
import { SHIPPED_STUDY_COMMAND, shippedStudyCardPath, shippedStudyPath } from '../../shared/study/shipped';
import type { StudyResultsJson } from '../../protocol/messages';
import { checkResultsJson } from '../charts/figures';
import { resultsState, setResults } from './study.svelte';

export interface ShippedState {
  status: 'idle' | 'loading' | 'ready' | 'missing' | 'error';
  /** Each split that was found, in QUICK_SPLITS order. */
  bySplit: Partial<Record<QuickSplit, StudyResultsJson>>;
  error: string | null;
}

export const shippedState: ShippedState = $state({ status: 'idle', bySplit: {}, error: null });

/** The card's address (cost, seeds, the command), for a link. */
export const shippedCardHref = shippedStudyCardPath(EMBEDDED_MODEL);
export { SHIPPED_STUDY_COMMAND };

/** Where a shown shipped split says it came from (the Results screen's status line). */
export function shippedSource(split: QuickSplit): string {
  return `the shipped study, ${split} split (a run made with ${SHIPPED_STUDY_COMMAND}, not in this browser)`;
}

let loading: Promise<void> | null = null;

/** Reads the shipped files once; later calls wait for the first. */
export function loadShipped(): Promise<void> {
  if (!loading) loading = readAll();
  return loading;
}

async function readAll(): Promise<void> {
  shippedState.status = 'loading';
  try {
    const found: Partial<Record<QuickSplit, StudyResultsJson>> = {};
    for (const split of QUICK_SPLITS) {
      const path = shippedStudyPath(split, EMBEDDED_MODEL);
      const res = await fetch(new URL(path, location.href), { cache: 'no-cache' });
      if (res.status === 404) continue;
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
      let value: unknown;
      try {
        value = await res.json();
      } catch (e) {
        throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
      }
      found[split] = checkResultsJson(value, path);
    }
    shippedState.bySplit = found;
    shippedState.status = Object.keys(found).length ? 'ready' : 'missing';
  } catch (e) {
    shippedState.status = 'error';
    shippedState.error = (e as Error).message;
  }
}

/** Shows a shipped split on the Results screen. */
export function showShipped(split: QuickSplit): void {
  const r = shippedState.bySplit[split];
  if (r) setResults(r, shippedSource(split));
}

/** Results open on the shipped random split when nothing else is shown (first open). */
export async function showShippedIfEmpty(): Promise<void> {
  await loadShipped();
  const first = QUICK_SPLITS.find((s) => shippedState.bySplit[s]);
  if (first && !resultsState.results && !resultsState.error) showShipped(first);
}
