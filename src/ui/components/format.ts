// Small display formatters shared by the screens (pure, no DOM).

/** 1234567 -> "1.2 MB" (decimal units, as browsers and the Hub show sizes). */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '?';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Seconds -> "45 s", "3 min 05 s", "1 h 02 min"; null/NaN -> "?". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** 139420416 -> "139.4 M". */
export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/**
 * Transfer-rate estimate for a progress bar: feed it (loaded, total) as it grows; it answers the
 * bytes per second since the first sample and the seconds left (null until it can tell).
 */
export class RateMeter {
  #t0 = 0;
  #l0 = 0;
  #started = false;

  constructor(private readonly now: () => number = () => performance.now()) {}

  reset(): void {
    this.#started = false;
  }

  sample(loaded: number, total: number | null): { rate: number | null; eta: number | null } {
    const t = this.now();
    if (!this.#started) {
      this.#started = true;
      this.#t0 = t;
      this.#l0 = loaded;
      return { rate: null, eta: null };
    }
    const dt = (t - this.#t0) / 1000;
    const dl = loaded - this.#l0;
    if (dt < 0.25 || dl <= 0) return { rate: null, eta: null };
    const rate = dl / dt;
    return { rate, eta: total === null ? null : Math.max(0, (total - loaded) / rate) };
  }
}
