// The Explore screen's state and the only code that computes for it: opening a projector bundle
// (file, URL, or a share link once the user agrees to fetch its projector), its PCA map, tuning a vector for the user's examples and walking the
// subspace (both in the engine worker), and the share link of the last vector.
// The screen makes one ExploreSession per visit (leaving the screen forgets the bundle, as before).
import { alongComponents, pca, projectOnto, type PcaResult } from '../../shared/analysis/pca';
// The artifact modules one by one: the package index also re-exports identity.ts, which needs the
// model config parser (outside what the UI may import).
import { ArtifactError } from '../../shared/artifacts/errors';
import { fetchArtifactBytes } from '../../shared/artifacts/download';
import { sha256Hex } from '../../shared/artifacts/identity';
import { decodeProjectorBundle, describeProjector, type ProjectorBundle } from '../../shared/artifacts/projector';
import { decodeShareLink, encodeShareLink, type ShareLink } from '../../shared/artifacts/shareLink';
import { EngineError, isCancelled } from '../../protocol/errors';
import type { TuneVectorProgress } from '../../protocol/messages';
import { pcaFigure, type MapPoint } from '../charts/figures';
import { engine } from './engine.svelte';

export type ProjectorInfo = ReturnType<typeof describeProjector>;

/** A vector placed on the map besides the bundle's training tasks (tuned here, or from a share link). */
export interface YourVector {
  label: string;
  vector: number[];
  score: number | null;
}

/** How long the walk waits after the last slider or input change before decoding. */
const WALK_DELAY_MS = 250;

export function errorText(e: unknown): string {
  if (e instanceof ArtifactError) return `${e.message} (${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

export class ExploreSession {
  // The bundle stays out of $state: its tensors are large and never change. `opened` counts bundles.
  #bundle: ProjectorBundle | null = null;
  #bytes: Uint8Array | null = null;
  /** SHA-256 of #bytes, computed once per opened file (the worker keys its built projector on it). */
  #sha256: string | undefined;
  opened = $state(0);
  projectorUrl: string | null = $state(null);
  info: ProjectorInfo | null = $state(null);
  loadError: string | null = $state(null);
  loading = $state(false);
  /** A projector download under way: its host, and bytes so far of its Content-Length. */
  download: { host: string; loaded: number; total: number | null } | null = $state(null);
  #downloadController: AbortController | null = null;
  /**
   * A share link's projector, waiting for the user's yes. Only a HEAD request (its size) is made
   * before it: `size` is the Content-Length, null while asking or when the server does not say.
   */
  pendingShare: { host: string; url: string; size: number | null; asked: boolean } | null = $state(null);
  #pendingLink: ShareLink | null = null;
  #sizeProbe: AbortController | null = null;
  shareNote = $state('');

  yours: YourVector[] = $state([]);
  /** The task the vector is tuned for and the walk decodes as. */
  taskName = $state('my_task');
  tuneProgress: TuneVectorProgress | null = $state(null);
  tuneStatus = $state('');
  tuning = $state(false);
  #tuneController: AbortController | null = null;

  /** Steps along the top principal directions, in standard deviations. */
  sliders: number[] = $state([0, 0, 0]);
  walkOutputs: string[] = $state([]);
  walkStatus = $state('');
  #walkController: AbortController | null = null;
  #walkTimer: ReturnType<typeof setTimeout> | null = null;
  shareUrl = $state('');
  /** The engine refused the bundle as made for another model: its message, until the user decides. */
  mismatch: string | null = $state(null);
  /** The user chose "use it anyway" for this bundle (forgotten when another is opened). */
  #allowMismatch = false;
  #retry: (() => void) | null = null;

  /** Principal directions of the training tasks' vectors (null with fewer than two). */
  readonly basis: PcaResult | null = $derived.by(() => {
    void this.opened;
    const bundle = this.#bundle;
    const vs = bundle?.tasks.map((t) => t.vector) ?? [];
    if (!bundle || vs.length < 2) return null;
    return pca(vs, Math.min(3, bundle.dims.intrinsicDim, vs.length));
  });

  /** The training tasks, and your vectors, on the first two directions. */
  readonly map = $derived.by(() => {
    void this.opened;
    const bundle = this.#bundle;
    const b = this.basis;
    if (!bundle || !b) return null;
    const points: MapPoint[] = bundle.tasks.map((t, i) => ({ label: t.name, x: b.projected[i]?.[0] ?? 0, y: b.projected[i]?.[1] ?? 0, category: t.category || 'unknown', split: 'train', score: null }));
    for (const y of this.yours) {
      const [x, yy] = projectOnto(b, y.vector, 2);
      points.push({ label: y.label, x: x!, y: yy!, category: 'yours', split: 'yours', score: y.score });
    }
    return pcaFigure(points, b.explainedRatio);
  });

  #use(bytes: Uint8Array, source: string, url: string | null): boolean {
    try {
      const decoded = decodeProjectorBundle(bytes, { source });
      this.#bundle = decoded;
      this.#bytes = bytes;
      this.#sha256 = undefined;
      void sha256Hex(bytes).then((h) => {
        if (this.#bytes === bytes) this.#sha256 = h;
      });
      this.info = describeProjector(decoded);
      this.projectorUrl = url;
      this.yours = [];
      this.sliders = [0, 0, 0];
      this.loadError = null;
      this.mismatch = null;
      this.#allowMismatch = false;
      this.#retry = null;
      this.opened++;
      return true;
    } catch (e) {
      this.loadError = `Could not open ${source}: ${errorText(e)}`;
      return false;
    }
  }

  async openFile(file: File): Promise<void> {
    this.#use(new Uint8Array(await file.arrayBuffer()), file.name, null);
  }

  /** Downloads a bundle (a URL the user typed or confirmed): capped, cancellable, stopped at bad first bytes. */
  async openUrl(url: string): Promise<boolean> {
    this.#downloadController?.abort();
    const controller = (this.#downloadController = new AbortController());
    this.loading = true;
    this.loadError = null;
    this.download = null;
    try {
      const absolute = new URL(url, location.href).href;
      const bytes = await fetchArtifactBytes(absolute, {
        signal: controller.signal,
        onStart: (start) => (this.download = { host: start.host, loaded: 0, total: start.total }),
        onProgress: (loaded) => {
          if (this.download) this.download = { ...this.download, loaded };
        },
      });
      return this.#use(bytes, absolute, absolute);
    } catch (e) {
      if (controller === this.#downloadController) {
        this.loadError = controller.signal.aborted ? `Download of ${url} cancelled; nothing was opened.` : `Could not download ${url}: ${errorText(e)}`;
      }
      return false;
    } finally {
      if (controller === this.#downloadController) {
        this.loading = false;
        this.download = null;
        this.#downloadController = null;
      }
    }
  }

  cancelDownload(): void {
    this.#downloadController?.abort();
  }

  /**
   * #/explore?il=1&p=<projector URL>&z=<vector>&t=<task>: decode the link and ask before fetching
   * (confirmShare); a link is anyone's, and its URL anyone's server.
   */
  openShareLink(href: string): void {
    if (!new URL(href).hash.split('?')[1]) return;
    try {
      const link = decodeShareLink(href);
      this.#pendingLink = link;
      this.pendingShare = { host: new URL(link.projectorUrl).host, url: link.projectorUrl, size: null, asked: false };
      this.shareNote = '';
      void this.#probeSize(link.projectorUrl);
    } catch (e) {
      this.loadError = `The share link could not be opened: ${errorText(e)}`;
    }
  }

  /** The size of a share link's projector, from a HEAD request (downloads nothing). */
  async #probeSize(url: string): Promise<void> {
    this.#sizeProbe?.abort();
    const probe = (this.#sizeProbe = new AbortController());
    let size: number | null = null;
    try {
      const res = await fetch(url, { method: 'HEAD', signal: probe.signal, cache: 'no-store' });
      const n = Number(res.headers.get('content-length'));
      if (res.ok && Number.isFinite(n) && n >= 0) size = n;
    } catch {
      // No answer: the prompt says the size is unknown; the download itself is capped anyway.
    }
    if (probe === this.#sizeProbe && this.pendingShare?.url === url) this.pendingShare = { ...this.pendingShare, size, asked: true };
  }

  /** The user said yes: load the link's projector, plot its point. */
  async confirmShare(): Promise<void> {
    this.#sizeProbe?.abort();
    const link = this.#pendingLink;
    this.#pendingLink = null;
    this.pendingShare = null;
    if (!link) return;
    try {
      if (!(await this.openUrl(link.projectorUrl))) return;
      const dim = this.#bundle?.dims.intrinsicDim;
      if (dim !== undefined && link.vector.length !== dim) {
        throw new ArtifactError('intrinsic-dim-mismatch', `the shared vector has ${link.vector.length} values, but the projector's d_I is ${dim}`);
      }
      this.yours = [{ label: link.task ?? 'shared vector', vector: Array.from(link.vector), score: null }];
      this.#updateShare();
    } catch (e) {
      this.loadError = `The share link could not be opened: ${errorText(e)}`;
    }
  }

  declineShare(): void {
    this.#sizeProbe?.abort();
    const pending = this.pendingShare;
    this.#pendingLink = null;
    this.pendingShare = null;
    if (pending) this.shareNote = `Nothing was downloaded from ${pending.host}.`;
  }

  /** The typed examples could not be read: say why instead of tuning. */
  rejectExamples(e: unknown): void {
    this.tuneStatus = `Examples: ${errorText(e)}`;
  }

  async tune(examples: { input: string; outputs: string[] }[], steps: number, lr: number): Promise<void> {
    const projector = this.#bytes;
    if (!projector) return;
    const task = this.taskName;
    const controller = (this.#tuneController = new AbortController());
    this.tuning = true;
    this.tuneProgress = null;
    this.tuneStatus = 'Tuning…';
    try {
      const r = await engine.call('tuneVector', { projector, projectorSha256: this.#sha256, task, examples, steps, lr, allowModelMismatch: this.#allowMismatch }, { signal: controller.signal, onProgress: (p) => (this.tuneProgress = p), progressIntervalMs: 200 });
      this.yours = [...this.yours.filter((y) => y.label !== task), { label: task, vector: r.vector, score: r.devScore }];
      this.tuneStatus = `Done: ${r.steps} steps, dev score ${r.devScore === null ? 'n/a' : r.devScore.toFixed(3)}. The star on the map is your task.`;
      this.#updateShare();
    } catch (e) {
      this.tuneStatus = isCancelled(e) ? 'Cancelled.' : `Failed: ${errorText(e)}`;
      this.#offerOverride(e, () => void this.tune(examples, steps, lr));
    } finally {
      this.tuning = false;
      this.#tuneController = null;
    }
  }

  cancelTune(): void {
    this.#tuneController?.abort();
  }

  /** Decode `inputs` at the sliders' point once they stop changing (the last call wins). */
  scheduleWalk(inputs: string[]): void {
    if (this.#walkTimer !== null) clearTimeout(this.#walkTimer);
    this.#walkTimer = setTimeout(() => void this.#walk(inputs), WALK_DELAY_MS);
  }

  /** The point the sliders move: your last tuned vector, else the centre of the training tasks. */
  #walkVector(): number[] | null {
    const bundle = this.#bundle;
    if (!bundle) return null;
    const base = this.yours.at(-1)?.vector ?? this.basis?.mean ?? new Array<number>(bundle.dims.intrinsicDim).fill(0);
    return this.basis ? alongComponents(this.basis, base, this.sliders) : [...base];
  }

  async #walk(inputs: string[]): Promise<void> {
    const vector = this.#walkVector();
    const projector = this.#bytes;
    if (!vector || !projector || inputs.length === 0) return;
    this.#walkController?.abort();
    const controller = (this.#walkController = new AbortController());
    this.walkStatus = 'Decoding…';
    try {
      const r = await engine.call('walkSubspace', { projector, projectorSha256: this.#sha256, vector, task: this.taskName, inputs, allowModelMismatch: this.#allowMismatch }, { signal: controller.signal });
      if (controller !== this.#walkController) return;
      this.walkOutputs = r.outputs;
      this.walkStatus = `Outputs for this point (${r.ms.toFixed(0)} ms).`;
    } catch (e) {
      if (!isCancelled(e) && controller === this.#walkController) {
        this.walkStatus = `Failed: ${errorText(e)}`;
        this.#offerOverride(e, () => void this.#walk(inputs));
      }
    }
  }

  /** A MODEL_MISMATCH refusal: show it, and keep the request to repeat if the user overrides. */
  #offerOverride(e: unknown, retry: () => void): void {
    if (!(e instanceof EngineError) || e.code !== 'MODEL_MISMATCH') return;
    this.mismatch = e.message;
    this.#retry = retry;
  }

  /** "Use it anyway": accept this bundle for the loaded model and repeat the refused request. */
  useAnyway(): void {
    this.#allowMismatch = true;
    this.mismatch = null;
    const retry = this.#retry;
    this.#retry = null;
    retry?.();
  }

  #updateShare(): void {
    const y = this.yours.at(-1);
    this.shareUrl =
      this.projectorUrl && y
        ? encodeShareLink(location.origin + location.pathname, { projectorUrl: this.projectorUrl, vector: Float32Array.from(y.vector), task: y.label }, { route: '/explore' })
        : '';
  }

  /** The screen is left: stop decoding and downloading. */
  close(): void {
    this.#walkController?.abort();
    this.#downloadController?.abort();
  }
}
