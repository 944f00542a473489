// The UI <-> worker protocol end to end in Chromium, through the real bridge on the built app:
// ordered and throttled progress, cooperative cancel (the worker survives and leaks nothing),
// worker-side errors with name, message and code, and BART parity on WebGPU inside the worker.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../src/bridge/engineClient';
import type { SelfTestProgress } from '../../src/protocol/messages';
import { launchChromium, type LaunchedBrowser } from './support/chromium';
import { serveStatic, type StaticServer } from './support/server';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = join(ROOT, 'dist');
const FIXTURE = join(ROOT, 'test/fixtures/bart-parity');

/** What a rejected call looks like after crossing into Node (errors are flattened to plain data). */
interface Failure {
  failed: true;
  name: string;
  code: string;
  message: string;
  isEngineError: boolean;
}

type Lab = { intrinsicLab: { engine: EngineClient } };

describe('engine protocol (built app in Chromium)', () => {
  let server: StaticServer;
  let browser: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/ is missing: run `npx vite build` before the browser tests');
    server = await serveStatic({ '/': DIST, '/fixtures': join(ROOT, 'test/fixtures') });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(server.url);
    // Count worker (re)starts: every start announces itself with a `ready` event.
    await page.evaluate(() => {
      const lab = globalThis as unknown as Lab & { readyEvents: number };
      lab.readyEvents = 0;
      lab.intrinsicLab.engine.onEvent((event) => {
        if (event.kind === 'ready') lab.readyEvents++;
      });
    });
    await page.waitForSelector('[data-testid="backend"][data-status="ready"]', { timeout: 120_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('delivers every progress event in order, then the result, when unthrottled', async () => {
    const { events, result, resultAfterLastProgress } = await page.evaluate(async () => {
      const { engine } = (globalThis as unknown as Lab).intrinsicLab;
      const events: SelfTestProgress[] = [];
      let resolved = false;
      let resultAfterLastProgress = true;
      const result = await engine.selfTest(
        { steps: 12, size: 8 },
        {
          progressIntervalMs: 0,
          onProgress: (p) => {
            if (resolved) resultAfterLastProgress = false;
            events.push(p);
          },
        },
      );
      resolved = true;
      return { events, result, resultAfterLastProgress };
    });
    expect(events.map((e) => e.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(events.every((e) => e.steps === 12)).toBe(true);
    expect(resultAfterLastProgress).toBe(true);
    expect(result).toMatchObject({ backend: 'wasm', steps: 12, size: 8 });
    expect(result.maxAbsErr).toBeLessThan(1e-4);
    expect(Math.max(...events.map((e) => e.maxAbsErr))).toBe(result.maxAbsErr);
  });

  it('throttles progress to one message per interval, always delivering the final step', async () => {
    const interval = 100;
    const { steps, ms } = await page.evaluate(async (interval) => {
      const { engine } = (globalThis as unknown as Lab).intrinsicLab;
      const steps: number[] = [];
      const t0 = performance.now();
      await engine.selfTest({ steps: 150, size: 8 }, { progressIntervalMs: interval, onProgress: (p) => steps.push(p.step) });
      return { steps, ms: performance.now() - t0 };
    }, interval);
    expect(steps.at(-1)).toBe(150);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps).size).toBe(steps.length);
    // At most one per interval, plus the first and the flushed final one.
    expect(steps.length).toBeLessThanOrEqual(Math.ceil(ms / interval) + 2);
    expect(steps.length).toBeLessThan(150);
  });

  it('cancels cooperatively: a clear cancelled error, the worker keeps running and leaks no tensors', async () => {
    const outcome = await page.evaluate(async () => {
      const lab = globalThis as unknown as Lab & { readyEvents: number };
      const { engine } = lab.intrinsicLab;
      const baseline = await engine.selfTest({ steps: 1, size: 8 });
      const readyBefore = lab.readyEvents;
      const controller = new AbortController();
      const seen: number[] = [];
      let failure: unknown = null;
      try {
        await engine.selfTest(
          { steps: 5000, size: 8 },
          {
            signal: controller.signal,
            progressIntervalMs: 0,
            onProgress: (p) => {
              seen.push(p.step);
              if (p.step === 3) controller.abort();
            },
          },
        );
      } catch (error) {
        failure = error;
      }
      const after = await engine.selfTest({ steps: 1, size: 8 });
      const e = failure as { name?: string; code?: string; message?: string } | null;
      return {
        failure: e ? { name: e.name, code: e.code, message: e.message } : null,
        lastStep: seen.at(-1) ?? 0,
        tensorsBefore: baseline.numTensors,
        tensorsAfter: after.numTensors,
        afterBackend: after.backend,
        restarts: lab.readyEvents - readyBefore,
      };
    });
    expect(outcome.failure).toEqual({
      name: 'AbortError',
      code: 'CANCELLED',
      message: expect.stringMatching(/^selfTest cancelled at step \d+ of 5000$/),
    });
    const stoppedAt = Number(/step (\d+)/.exec(outcome.failure!.message!)![1]);
    expect(stoppedAt).toBeGreaterThan(3);
    expect(stoppedAt).toBeLessThan(5000);
    expect(outcome.lastStep).toBe(stoppedAt - 1);
    // Same worker (no restart, no re-init), same backend, nothing leaked.
    expect(outcome.restarts).toBe(0);
    expect(outcome.afterBackend).toBe('wasm');
    expect(outcome.tensorsAfter).toBe(outcome.tensorsBefore);
  });

  it('rejects at once when the signal is already aborted, without bothering the worker', async () => {
    const failure = await page.evaluate(async () => {
      const { engine } = (globalThis as unknown as Lab).intrinsicLab;
      try {
        await engine.selfTest({ steps: 1 }, { signal: AbortSignal.abort() });
        return null;
      } catch (error) {
        const e = error as { name: string; code: string; message: string };
        return { name: e.name, code: e.code, message: e.message };
      }
    });
    expect(failure).toEqual({ name: 'AbortError', code: 'CANCELLED', message: 'selfTest was cancelled before it started' });
  });

  it('carries worker-side errors across with their name, message and code', async () => {
    const failures = await page.evaluate(async () => {
      const { engine } = (globalThis as unknown as Lab).intrinsicLab;
      const capture = async (call: () => Promise<unknown>): Promise<Failure | null> => {
        try {
          await call();
          return null;
        } catch (error) {
          const e = error as Error & { code: string };
          return { failed: true, name: e.name, code: e.code, message: e.message, isEngineError: e instanceof Error };
        }
      };
      return {
        badSteps: await capture(() => engine.selfTest({ steps: 0 })),
        badSize: await capture(() => engine.selfTest({ steps: 1, size: 1.5 })),
        unknownMethod: await capture(() => engine.call('noSuchMethod' as never, {} as never)),
        badBytes: await capture(() =>
          engine.parity({ config: {}, model: new Uint8Array([1, 2, 3]), cases: new Uint8Array([4, 5, 6]) }),
        ),
      };
    });
    expect(failures.badSteps).toEqual({
      failed: true,
      name: 'EngineError',
      code: 'BAD_REQUEST',
      message: 'selfTest: steps must be an integer in 1..10000, got 0',
      isEngineError: true,
    });
    expect(failures.badSize?.message).toBe('selfTest: size must be an integer in 1..256, got 1.5');
    expect(failures.unknownMethod).toMatchObject({ code: 'UNKNOWN_METHOD', message: "the engine has no method 'noSuchMethod'" });
    // A real error from deep inside the core (the safetensors reader), named and located.
    expect(failures.badBytes).toMatchObject({ name: 'ParityInputError', code: 'BAD_REQUEST' });
    expect(failures.badBytes?.message).toContain('model.safetensors');
  });

  // WebGPU is what the brief asks for; threaded wasm is what runs by default here.
  it.each(['webgpu', 'wasm'] as const)(
    'reproduces the PyTorch reference on %s inside the worker: every parity row ok',
    async (backend) => {
      const config = JSON.parse(readFileSync(join(FIXTURE, 'config.json'), 'utf8')) as unknown;
      const outcome = await page.evaluate(
        async ({ config, backend }) => {
          const { engine } = (globalThis as unknown as Lab).intrinsicLab;
          const info = await engine.init({ backend });
          const bytes = async (name: string) =>
            new Uint8Array(await (await fetch(`/fixtures/bart-parity/${name}`)).arrayBuffer());
          const result = await engine.parity({
            config,
            model: await bytes('model.safetensors'),
            cases: await bytes('cases.safetensors'),
          });
          await engine.init({ backend: 'auto' });
          return { info, result };
        },
        { config, backend },
      );
      expect(outcome.info).toMatchObject({ backend, requested: backend });
      expect(outcome.info.adapter.kind).toBe('fallback');
      expect(outcome.result.backend).toBe(backend);
      const rows = Object.entries(outcome.result.rows);
      expect(rows.length).toBeGreaterThanOrEqual(14);
      for (const [name, row] of rows) {
        expect(row.ok, `${name}: max_abs_err ${row.max_abs_err}, max_rel_err ${row.max_rel_err}`).toBe(true);
      }
      expect(Object.keys(outcome.result.rows)).toEqual(
        expect.arrayContaining(['logits', 'grad_prompt', 'msf_loss', 'grad_intrinsic_vector', 'greedy_ids']),
      );
    },
  );
});
