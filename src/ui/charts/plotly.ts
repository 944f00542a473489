// Plotly is a few MB: it is imported only when a chart first mounts, never on the first screen's
// critical path. One shared promise, so every chart waits for the same download.
import { PALETTE } from '../../shared/palette';

/** The part of Plotly's API the charts use (plotly.js-dist ships no types). */
export interface PlotlyApi {
  react(el: HTMLElement, data: readonly PlotTrace[], layout?: Record<string, unknown>, config?: Record<string, unknown>): Promise<unknown>;
  downloadImage(el: HTMLElement, opts: { format: 'png' | 'svg'; filename: string; width?: number; height?: number }): Promise<string>;
  toImage(el: HTMLElement, opts: { format: 'png' | 'svg'; width?: number; height?: number }): Promise<string>;
  purge(el: HTMLElement): void;
}

/**
 * A user-controlled string (a task name, a category, a label from a bundle, a share link or an
 * imported results.json) as Plotly plain text. Plotly parses its labels as a small HTML dialect
 * (<a href>, <b>, <br> ...), so a task named `<a href="x">` would become a link; as entities it is
 * shown literally. Plotly decodes &lt; &gt; &amp; and numeric entities into text nodes (not
 * &quot;, hence &#34;). Every figure builder passes such strings through here: trace names, text,
 * hovertext, category ticks, titles, annotations.
 */
export function plainText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/** One trace (scatter, heatmap ...), as Plotly takes it. */
export type PlotTrace = Record<string, unknown>;

let loading: Promise<PlotlyApi> | null = null;

export function loadPlotly(): Promise<PlotlyApi> {
  loading ??= import('plotly.js-dist').then((m: { default?: unknown }) => (m.default ?? m) as PlotlyApi).catch((e: unknown) => {
    loading = null; // a failed chunk load (offline) is retried on the next chart
    throw e;
  });
  return loading;
}

/** Category -> colour, stable across charts (the shared Okabe-Ito palette). */
export { PALETTE };

export function colourFor(keys: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const k of keys) if (!m.has(k)) m.set(k, PALETTE[m.size % PALETTE.length]!);
  return m;
}
