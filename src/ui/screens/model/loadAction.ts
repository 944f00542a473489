// What the Model screen's primary button will do, in words, and whether it is a download big enough
// to ask first: the button must never silently turn a reload into a 560 MB download.
import type { CacheListResult } from '../../../protocol/messages';
import { DEFAULT_HUB_BASE, sourceBaseUrl } from '../../../shared/weights/load';

/** Hub models whose download size is known (model.safetensors, F32), by id. */
const KNOWN_SIZES: Readonly<Record<string, string>> = { 'facebook/bart-base': 'about 560 MB' };

/** The form's choice, as the button reads it. */
export interface LoadChoice {
  kind: 'embedded' | 'hub' | 'files';
  embeddedName: string;
  hubId: string;
  /** As typed: empty or the default address means the Hub itself. */
  hubBase: string;
  pickedCount: number;
}

const trimSlash = (s: string) => s.trim().replace(/\/+$/, '');

/** Whether the Hub model's weights are in the weight cache already (so loading downloads none of them). */
function weightsCached(id: string, base: string, cache: CacheListResult | null): boolean {
  let folder: string | null;
  try {
    folder = sourceBaseUrl({ kind: 'hub', id, ...(base ? { base } : {}) });
  } catch {
    return false; // not an id or an address the loader would fetch: nothing is cached for it
  }
  return cache?.entries.some((e) => e.source === folder && e.file === 'model.safetensors') ?? false;
}

/**
 * The size of the download the choice starts, when it is known to be big and the weights are not
 * cached (then the screen asks before loading); null otherwise.
 */
export function bigDownload(choice: LoadChoice, cache: CacheListResult | null): string | null {
  if (choice.kind !== 'hub') return null;
  const id = choice.hubId.trim();
  const size = KNOWN_SIZES[id];
  return size && !weightsCached(id, trimSlash(choice.hubBase), cache) ? size : null;
}

/** The primary button's text: "Load model: <what>, <from where> (<size>)". */
export function loadActionText(choice: LoadChoice, cache: CacheListResult | null): string {
  switch (choice.kind) {
    case 'embedded':
      return `Load model: the built-in ${choice.embeddedName}`;
    case 'files':
      return choice.pickedCount === 0 ? 'Load model: pick its files first' : `Load model: the ${choice.pickedCount} picked file${choice.pickedCount === 1 ? '' : 's'}`;
    case 'hub': {
      const id = choice.hubId.trim();
      if (id === '') return 'Load model: type a model id first';
      const base = trimSlash(choice.hubBase);
      const where = base === '' || base === DEFAULT_HUB_BASE ? 'the Hub' : base;
      const size = KNOWN_SIZES[id];
      const note = size ? (weightsCached(id, base, cache) ? ' (from this browser’s cache)' : ` (${size})`) : '';
      return `Load model: ${id} from ${where}${note}`;
    }
  }
}
