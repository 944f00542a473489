// An analysis figure as a standalone SVG (what `ipt --preset` writes beside analysis.json): lines or
// grouped bars, axes with ticks, a legend, and the data table's title as <title> and <desc>.
// Pure string building, so it runs in Node without a browser or a chart library.
import { PALETTE } from '../palette';
import type { AnalysisFigure } from './analyses';

const W = 860;
const H = 420;
const M = { left: 64, right: 330, top: 40, bottom: 56 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2));

/** A label in at most two lines of about `width` characters, cut with an ellipsis beyond that. */
export function wrapLabel(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (!cur || cur.length + 1 + w.length <= width) cur = cur ? `${cur} ${w}` : w;
    else { lines.push(cur); cur = w; }
  }
  if (cur) lines.push(cur);
  const out = lines.slice(0, 2).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
  if (lines.length > 2) out[1] = `${out[1]!.slice(0, Math.max(0, width - 1))}…`;
  return out;
}

/** Up to about six round ticks from 0 to at least `top`. */
function ticks(top: number): number[] {
  const step = [0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100].find((s) => top / s <= 6) ?? top / 5;
  return Array.from({ length: Math.floor(top / step + 1e-9) + 1 }, (_, i) => +(i * step).toFixed(6));
}

export function figureSvg(f: AnalysisFigure): string {
  const values = f.series.flatMap((s) => s.y).filter((v): v is number => v !== null);
  const yTicks = ticks(Math.max(1, ...values) * 1.05);
  const yTop = yTicks.at(-1)!;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sy = (v: number) => M.top + ph - (Math.max(0, v) / yTop) * ph;
  const out: string[] = [];
  const numericX = f.kind === 'lines' && f.x.every((v) => typeof v === 'number');
  const xs = f.x.map(Number);
  const [x0, x1] = numericX ? [Math.min(...xs), Math.max(...xs)] : [0, 0];
  const slot = pw / Math.max(1, f.x.length);
  const sx = (i: number) => (numericX ? M.left + (x1 === x0 ? pw / 2 : ((xs[i]! - x0) / (x1 - x0)) * pw) : M.left + slot * (i + 0.5));

  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<title>${esc(`${f.title} (${f.paper})`)}</title>`, `<desc>${esc(`${f.yLabel} against ${f.xLabel}; ${f.series.length} series. The numbers are in the analysis's JSON.`)}</desc>`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${M.left}" y="24" font-size="15" font-weight="600">${esc(f.title)} <tspan font-weight="400" fill="#555">(${esc(f.paper)})</tspan></text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  // Category labels wrap to two lines of what their slot holds (about 6.5 px a character); the full text is their <title>.
  const width = Math.max(8, Math.floor(slot / 6.5));
  f.x.forEach((v, i) => {
    const lines = numericX ? [String(v)] : wrapLabel(String(v), width);
    const spans = lines.map((l, k) => `<tspan x="${sx(i)}" dy="${k === 0 ? 0 : 14}">${esc(l)}</tspan>`).join('');
    out.push(`<text x="${sx(i)}" y="${M.top + ph + 18}" text-anchor="middle"><title>${esc(String(v))}</title>${spans}</text>`);
  });
  out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(f.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(f.yLabel)}</text>`);

  f.series.forEach((s, k) => {
    const colour = PALETTE[k % PALETTE.length]!;
    if (f.kind === 'lines') {
      const pts = s.y.map((v, i) => (v === null ? null : `${sx(i).toFixed(1)},${sy(v).toFixed(1)}`));
      // A gap (null) breaks the line, as the app's charts do.
      const runs = pts.reduce<string[][]>((acc, p) => (p === null ? [...acc, []] : (acc.at(-1)!.push(p), acc)), [[]]).filter((r) => r.length);
      for (const r of runs) out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${r.join(' ')}"/>`);
      for (const p of pts) if (p) out.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${colour}"/>`);
    } else {
      const bw = (slot * 0.8) / f.series.length;
      s.y.forEach((v, i) => {
        if (v === null) return;
        const x = M.left + slot * i + slot * 0.1 + bw * k;
        out.push(`<rect x="${x.toFixed(1)}" y="${sy(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(M.top + ph - sy(v)).toFixed(1)}" fill="${colour}"><title>${esc(`${s.name}, ${f.x[i]}: ${v.toFixed(3)}`)}</title></rect>`);
      });
    }
    const ly = M.top + 10 + k * 18;
    const lx = M.left + pw + 16;
    out.push(f.kind === 'lines'
      ? `<line x1="${lx}" x2="${lx + 20}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`
      : `<rect x="${lx}" y="${ly - 6}" width="20" height="12" fill="${colour}"/>`);
    // Long names keep their end (the d_I, "E_rel^FT"): the start is cut instead.
    out.push(`<text x="${lx + 26}" y="${ly + 4}" font-size="11"><title>${esc(s.name)}</title>${esc(s.name.length > 50 ? `…${s.name.slice(-49)}` : s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
