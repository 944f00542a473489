// What a chart drew: Plotly keeps its traces on the graph div as `.data`. Waits until the chart
// says it has drawn (data-drawn counts its draws), so a test reads a finished figure.
import type { Page } from 'playwright-core';

/** The trace fields the tests read (Plotly's own type is far wider). */
export interface DrawnTrace {
  name?: string;
  x?: unknown[];
  y?: unknown[];
  z?: unknown[][];
  text?: string[];
  error_y?: { array?: number[]; visible?: boolean };
  line?: { dash?: string };
}

export async function plotData<T extends DrawnTrace = DrawnTrace>(page: Page, testid: string): Promise<T[]> {
  await page.waitForFunction((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-drawn')) > 0, testid, { timeout: 60_000 });
  return page.evaluate((id) => {
    const el = document.querySelector(`[data-testid="${id}"] .plot`) as unknown as { data: unknown };
    return JSON.parse(JSON.stringify(el.data)) as never;
  }, testid);
}
