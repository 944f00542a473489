// The Explore screen's state and the only code that computes for it: opening a projector bundle
// (the one shipped with the app by default, a file, a URL, one stored in the Library, or a share
// link's: the shipped one at once, a remote one once the user agrees to fetch it), its PCA map and
// the training tasks nearest to your vector, tuning a vector for the user's examples and walking
// the subspace (both in the engine worker, saying when they wait behind a study), and the share
// link of the last vector. The page has one session (exploreSession): leaving the screen and
// coming back keeps the open bundle, the typed rows and a tuning that finished meanwhile (it may
// have waited behind a study).
import { alongComponents, pca, projectOnto, type PcaResult } from '../../shared/analysis/pca';
// The artifact modules one by one: the package index also re-exports identity.ts, which needs the
// model config parser (outside what the UI may import).
import { ArtifactError } from '../../shared/artifacts/errors';
import { fetchArtifactBytes } from '../../shared/artifacts/download';
import { sha256Hex } from '../../shared/artifacts/identity';
import { decodeProjectorBundle, describeProjector, type ProjectorBundle } from '../../shared/artifacts/projector';
import { encodeIntrinsicVectorFile } from '../../shared/artifacts/prompt';
import { encodeShareLink, type ShareLink } from '../../shared/artifacts/shareLink';
import { EMBEDDED_MODEL, EMBEDDED_PROJECTOR, embeddedProjector } from '../../shared/embedded';
import { EngineError, isCancelled } from '../../protocol/errors';
import type { TuneVectorProgress } from '../../protocol/messages';
import { ArtifactStore } from '../../storage/artifactStore';
import { pcaFigure, type MapPoint } from '../charts/figures';
import { familyOf, nearestTasks, type Neighbour } from '../screens/explore/nearest';
import { exploreRequest } from '../screens/explore/route';
import { engine, waitingText } from './engine.svelte';
import { loadModel, modelState } from './model.svelte';

export type ProjectorInfo = ReturnType<typeof describeProjector>;

/** A vector placed on the map besides the bundle's training tasks (tuned here, or from a share link). */
export interface YourVector {
  label: string;
  vector: number[];
  score: number | null;
}

/** How long the walk waits after the last slider or input change before decoding. */
const WALK_DELAY_MS = 250;

/** How many of the nearest training tasks the list beside the map shows. */
export const NEAREST_SHOWN = 8;

/** Where the open bundle came from: what a share link can name it by (a file or the Library has no address). */
export type ProjectorOrigin =
  | { kind: 'embedded'; id: string }
  | { kind: 'url'; url: string }
  | { kind: 'file'; name: string }
  | { kind: 'library'; id: string };

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
  origin: ProjectorOrigin | null = $state(null);
  info: ProjectorInfo | null = $state(null);
  /** Why the shipped projector is not open (this build has none, or it failed): a note, not an error. */
  defaultNote = $state('');
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
  /** The examples table's rows (ExampleRows.svelte), kept with the session. */
  rows: { key: number; input: string; output: string }[] = $state([{ key: 0, input: '', output: '' }]);
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
  /** What saving the last tuned vector to the Library did ('' before any). */
  saveNote = $state('');
  /** Whether the last tuned vector is in the Library (saving it again would store nothing new). */
  saved = $state(false);
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
    const points: MapPoint[] = bundle.tasks.map((t, i) => ({
      label: t.name, x: b.projected[i]?.[0] ?? 0, y: b.projected[i]?.[1] ?? 0, category: t.category || 'unknown', split: 'train', score: null, family: familyOf(bundle.modelId, t.name),
    }));
    for (const y of this.yours) {
      const [x, yy] = projectOnto(b, y.vector, 2);
      points.push({ label: y.label, x: x!, y: yy!, category: 'yours', split: 'yours', score: y.score });
    }
    return pcaFigure(points, b.explainedRatio);
  });

  /** The training tasks nearest to your last vector, by Euclidean distance in d_I space. */
  readonly nearest: { to: string; tasks: Neighbour[] } | null = $derived.by(() => {
    void this.opened;
    const bundle = this.#bundle;
    const y = this.yours.at(-1);
    if (!bundle || !y || bundle.tasks.length === 0) return null;
    return { to: y.label, tasks: nearestTasks(bundle.modelId, bundle.tasks, y.vector, NEAREST_SHOWN) };
  });

  #use(bytes: Uint8Array, source: string, origin: ProjectorOrigin): boolean {
    try {
      const decoded = decodeProjectorBundle(bytes, { source });
      this.#bundle = decoded;
      this.#bytes = bytes;
      this.#sha256 = undefined;
      void sha256Hex(bytes).then((h) => {
        if (this.#bytes === bytes) this.#sha256 = h;
      });
      this.info = describeProjector(decoded);
      this.origin = origin;
      this.defaultNote = '';
      this.shareUrl = '';
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
    this.#use(new Uint8Array(await file.arrayBuffer()), file.name, { kind: 'file', name: file.name });
  }

  /**
   * Downloads a bundle (a URL the user typed or confirmed, or the shipped one: `embedded` is then
   * its id): capped, cancellable, stopped at bad first bytes.
   */
  async openUrl(url: string, embedded?: string): Promise<boolean> {
    this.#downloadController?.abort();
    const controller = (this.#downloadController = new AbortController());
    this.loading = true;
    this.loadError = null;
    this.download = null;
    try {
      const absolute = new URL(url, location.href).href;
      const bytes = await fetchArtifactBytes(absolute, {
        signal: controller.signal,
        // The shipped projector is the app's own file, from wherever the app is served.
        ...(embedded ? { appUrl: location.href } : {}),
        onStart: (start) => (this.download = { host: start.host, loaded: 0, total: start.total }),
        onProgress: (loaded) => {
          if (this.download) this.download = { ...this.download, loaded };
        },
      });
      return this.#use(bytes, embedded ? `the shipped projector ${embedded}` : absolute, embedded ? { kind: 'embedded', id: embedded } : { kind: 'url', url: absolute });
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
   * What the screen opens on arrival (route.ts): a share link, a stored projector, or else the
   * projector shipped with the app.
   */
  async openFromLocation(href: string): Promise<void> {
    let request;
    try {
      request = exploreRequest(href);
    } catch (e) {
      const what = /[?&]il=/.test(new URL(href).hash) ? 'share link' : 'link';
      this.loadError = `The ${what} could not be opened: ${errorText(e)}`;
      return;
    }
    if (request.kind === 'share') return this.#openShareLink(request.link);
    if (request.kind === 'artifact') return this.openStored(request.id, request.vector);
    // Back on the screen with nothing asked: what is open (or opening, or being asked about) stays.
    if (this.#bundle || this.loading || this.pendingShare) return;
    await this.openEmbedded();
  }

  /**
   * The projector shipped with the app, from the app's own origin (no question to ask), and the
   * embedded model it was made for when no model is loaded yet, so tuning needs no other step.
   */
  async openEmbedded(): Promise<boolean> {
    const url = new URL(EMBEDDED_PROJECTOR.path, location.href).href;
    if (!(await this.openUrl(url, EMBEDDED_PROJECTOR.id))) {
      if (this.loadError && !this.loadError.startsWith('Download of')) {
        this.defaultNote = `This build ships no usable projector (${this.loadError.replace(/^Could not download [^:]*: /, '')}); open a bundle file or URL.`;
        this.loadError = null;
      }
      return false;
    }
    this.#loadModelFor();
    return true;
  }

  /** Loads the embedded model when the open bundle was made for it and no model is loaded or loading. */
  #loadModelFor(): void {
    if (this.#bundle?.modelId !== `embedded:${EMBEDDED_MODEL}`) return;
    if (modelState.summary || modelState.status === 'loading') return;
    void loadModel({ kind: 'embedded', name: EMBEDDED_MODEL });
  }

  /** A projector (and optionally a vector to place) stored in the Library, by their ids. */
  async openStored(id: string, vectorId: string | null): Promise<void> {
    const store = new ArtifactStore();
    this.loading = true;
    this.loadError = null;
    try {
      if (!this.#use(await store.getBytes(id), `stored projector ${id.slice(0, 12)}…`, { kind: 'library', id })) return;
      this.#loadModelFor();
      if (vectorId === null) return;
      const v = await store.getVector(vectorId);
      this.#place(v.vector, v.task || 'stored vector');
    } catch (e) {
      this.loadError = `Could not open from the Library: ${errorText(e)}`;
    } finally {
      this.loading = false;
      void store.close();
    }
  }

  /** Puts a vector (a share link's, a stored one) on the map as yours; its length must be the bundle's d_I. */
  #place(vector: ArrayLike<number>, label: string): void {
    const dim = this.#bundle?.dims.intrinsicDim;
    if (dim !== undefined && vector.length !== dim) {
      throw new ArtifactError('intrinsic-dim-mismatch', `the vector has ${vector.length} values, but the projector's d_I is ${dim}`);
    }
    this.yours = [{ label, vector: Array.from(vector), score: null }];
    this.#updateShare();
  }

  /**
   * #/explore?il=1&p=<projector URL>&z=<vector>&t=<task>: ask before fetching (confirmShare); a
   * link is anyone's, and its URL anyone's server. `e=<id>` names the projector shipped with the
   * app: it comes from this origin, so it opens without a question.
   */
  async #openShareLink(link: ShareLink): Promise<void> {
    if (link.embedded !== undefined) {
      if (!embeddedProjector(link.embedded)) {
        this.loadError = `The share link could not be opened: it names the shipped projector "${link.embedded}", but this app ships ${EMBEDDED_PROJECTOR.id} only`;
        return;
      }
      if (!(await this.openEmbedded())) {
        this.loadError ??= `The share link could not be opened: ${this.defaultNote}`;
        return;
      }
      try {
        this.#place(link.vector, link.task ?? 'shared vector');
      } catch (e) {
        this.loadError = `The share link could not be opened: ${errorText(e)}`;
      }
      return;
    }
    this.#pendingLink = link;
    this.pendingShare = { host: new URL(link.projectorUrl).host, url: link.projectorUrl, size: null, asked: false };
    this.shareNote = '';
    void this.#probeSize(link.projectorUrl);
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
    if (!link?.projectorUrl) return;
    try {
      if (!(await this.openUrl(link.projectorUrl))) return;
      this.#place(link.vector, link.task ?? 'shared vector');
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
      const r = await engine.call('tuneVector', { projector, projectorSha256: this.#sha256, task, examples, steps, lr, allowModelMismatch: this.#allowMismatch }, {
        signal: controller.signal, onProgress: (p) => (this.tuneProgress = p), progressIntervalMs: 200,
        onQueue: (w) => (this.tuneStatus = w ? waitingText(w) : 'Tuning…'),
      });
      this.yours = [...this.yours.filter((y) => y.label !== task), { label: task, vector: r.vector, score: r.devScore }];
      this.saveNote = '';
      this.saved = false;
      // The worker holds out the last quarter of the examples (at least one) as dev.
      const held = Math.max(1, Math.floor(examples.length / 4));
      const dev = r.devScore === null ? 'n/a' : r.devScore.toFixed(3);
      this.tuneStatus = `Done: ${r.steps} steps. Dev score ${dev} on your last ${held === 1 ? 'example' : `${held} examples`}, held out from tuning`
        + `${held < 4 ? ' (so few that the score says little: add examples to judge it)' : ''}. The star on the map is your task.`;
      this.#updateShare();
    } catch (e) {
      this.tuneStatus = isCancelled(e) ? 'Cancelled.' : `Failed: ${errorText(e)}`;
      this.#offerOverride(e, () => void this.tune(examples, steps, lr));
    } finally {
      this.tuning = false;
      this.#tuneController = null;
    }
  }

  /**
   * Keeps the last tuned vector in the Library, with the projector it lives in (stored too unless
   * it already is: the same bytes are one artifact), so it opens on this map again from there.
   */
  async saveVector(): Promise<void> {
    const b = this.#bundle;
    const bytes = this.#bytes;
    const y = this.yours.at(-1);
    if (!b || !bytes || !y) return;
    const store = new ArtifactStore();
    try {
      const identity = { modelId: b.modelId, configSha256: b.configSha256, dModel: b.dims.dModel };
      const projector = await store.putProjector(bytes, { name: `projector d_I ${b.dims.intrinsicDim} (from Explore)` });
      const file = encodeIntrinsicVectorFile({ identity, vector: Float32Array.from(y.vector), task: y.label, projectorSha256: projector.id });
      const vector = await store.putVector(file, { name: `${y.label} (tuned in Explore)` });
      this.saved = true;
      this.saveNote = `Saved to the Library as "${vector.name}", with its projector.`;
    } catch (e) {
      this.saveNote = `Could not save: ${errorText(e)}`;
    } finally {
      void store.close();
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
      const r = await engine.call('walkSubspace', { projector, projectorSha256: this.#sha256, vector, task: this.taskName, inputs, allowModelMismatch: this.#allowMismatch }, {
        signal: controller.signal,
        onQueue: (w) => {
          if (controller === this.#walkController) this.walkStatus = w ? waitingText(w) : 'Decoding…';
        },
      });
      if (controller !== this.#walkController) return;
      this.walkOutputs = r.outputs;
      this.walkStatus = `Outputs for this point (${r.ms.toFixed(0)} ms).`;
    } catch (e) {
      if (!isCancelled(e) && controller === this.#walkController) {
        this.walkStatus = `Failed: ${errorText(e)}`;
        this.#offerOverride(e, () => void this.#walk(inputs));
      }
    } finally {
      if (controller === this.#walkController) this.#walkController = null;
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

  /** A link for the last vector, naming the projector by its URL or shipped id (a file or a stored one has neither). */
  #updateShare(): void {
    const y = this.yours.at(-1);
    const o = this.origin;
    const where = o?.kind === 'embedded' ? { embedded: o.id } : o?.kind === 'url' ? { projectorUrl: o.url } : null;
    this.shareUrl = where && y ? encodeShareLink(location.origin + location.pathname, { ...where, vector: Float32Array.from(y.vector), task: y.label }, { route: '/explore' }) : '';
  }

  /** The screen is left: stop decoding and downloading (a tuning goes on; its result is kept). */
  close(): void {
    if (this.#walkTimer !== null) clearTimeout(this.#walkTimer);
    if (this.#walkController) {
      this.#walkController.abort();
      this.#walkController = null;
      this.walkStatus = '';
    }
    this.#downloadController?.abort();
  }
}

/** The page's one Explore session (see the top of this file). */
export const exploreSession = new ExploreSession();
