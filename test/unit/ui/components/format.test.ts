// The UI's display formatters and the rate meter behind the download ETA.
import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, RateMeter } from '../../../../src/ui/components/format';

describe('formatters', () => {
  it('formats sizes in decimal units, unknown as ?', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(91_048)).toBe('91 kB');
    expect(formatBytes(558_000_000)).toBe('558 MB');
    expect(formatBytes(2.5e9)).toBe('2.5 GB');
    expect(formatBytes(null)).toBe('?');
    expect(formatBytes(Number.NaN)).toBe('?');
  });

  it('formats durations, unknown or negative as ?', () => {
    expect(formatDuration(0.34)).toBe('0.3 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
    expect(formatDuration(null)).toBe('?');
    expect(formatDuration(-1)).toBe('?');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
  });

  it('formats parameter counts', () => {
    expect(formatCount(20_760)).toBe('20.8 k');
    expect(formatCount(139_420_416)).toBe('139.4 M');
    expect(formatCount(512)).toBe('512');
  });
});

describe('RateMeter', () => {
  it('answers nothing until a quarter second has passed, then rate and time left', () => {
    let t = 0;
    const meter = new RateMeter(() => t);
    expect(meter.sample(0, 1000)).toEqual({ rate: null, eta: null });
    t = 100;
    expect(meter.sample(100, 1000)).toEqual({ rate: null, eta: null });
    t = 1000;
    expect(meter.sample(250, 1000)).toEqual({ rate: 250, eta: 3 });
    // Unknown total: a rate but no ETA.
    expect(meter.sample(250, null)).toEqual({ rate: 250, eta: null });
  });

  it('starts over after reset (a new file)', () => {
    let t = 0;
    const meter = new RateMeter(() => t);
    meter.sample(0, 10);
    t = 2000;
    expect(meter.sample(10, 10).rate).toBe(5);
    meter.reset();
    expect(meter.sample(0, 100)).toEqual({ rate: null, eta: null });
    t = 3000;
    expect(meter.sample(100, 100)).toEqual({ rate: 100, eta: 0 });
  });
});
