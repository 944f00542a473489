// What a study leaves behind besides its tables: each task's tuned soft prompt, each subspace
// (MSF's autoencoder as a projector bundle, with its training tasks' intrinsic vectors) and each
// IST vector, as the safetensors files of src/shared/artifacts. The runner calls `itemArtifacts`
// as an item finishes (or is reused); the CLI writes the files under --out, the app's worker puts
// them in the artifact library. Pure: plain arrays in, bytes out.
import type { ModelIdentity } from '../artifacts/identity';
import { encodeProjectorBundle, projectorFromNamed, projectPrompt, type TrainingTask } from '../artifacts/projector';
import { encodeIntrinsicVectorFile, encodeSoftPrompt } from '../artifacts/prompt';
import type { PlanItem, StudyPlan } from './plan';
import { bestCell, bestPtCell, type UnitOutcome } from './results';

export type StudyArtifactKind = 'prompt' | 'projector' | 'vector';

export interface StudyArtifact {
  readonly kind: StudyArtifactKind;
  /** Path under the CLI's --out: projector-d10.safetensors, prompts/<task>-d100-r1.safetensors, vectors/d10/test/<task>-d100-r1.safetensors. */
  readonly path: string;
  readonly bytes: Uint8Array;
  /** The unit the file comes from (a PT item: its best grid cell). */
  readonly unitKey: string;
  /** Facts for listings: task or tasks, seeds, d_I, setting, scores, the projector's SHA-256. */
  readonly details: { readonly [k: string]: string | number | boolean | null | readonly string[] };
}

export interface ArtifactContext {
  readonly identity: ModelIdentity;
  /** A task's category for the projector's map ("" when unknown). */
  category(task: string): string;
}

/** "-r<seed>" only when the study has several run seeds, so a one-seed study writes projector-d10.safetensors. */
function seedPart(plan: StudyPlan, seed: number): string {
  return plan.spec.seeds.length > 1 ? `-r${seed}` : '';
}

/** Task names are file names here: anything but [A-Za-z0-9._-] becomes "_" (CrossFit names are already safe). */
function fileSafe(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '' || s === '.' || s === '..' ? `_${s}` : s;
}

const score = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The projector of a finished MSF unit: Proj and Proj_b, with each training task's z =
 * Proj(flatten(its PT prompt)) for the map. Returns the bundle's bytes.
 */
export function projectorArtifact(plan: StudyPlan, msfItem: PlanItem, outcome: (key: string) => UnitOutcome, ctx: ArtifactContext): StudyArtifact {
  const u = msfItem.units[0]!;
  const r = outcome(u.key);
  const weights = projectorFromNamed(r.tensors, 'autoencoder', `MSF unit ${u.key}`);
  const tasks: TrainingTask[] = plan.spec.tasks.train.map((name) => {
    const pt = plan.batches.find((b) => b.kind === 'pt' && b.seed === u.seed)!.items.find((it) => it.task === name)!;
    return { name, category: ctx.category(name), vector: projectPrompt(weights, bestPtCell(pt, outcome).prompt) };
  });
  const bytes = encodeProjectorBundle({
    identity: ctx.identity, promptLength: plan.phases.pt.promptTokens, weights, tasks, seed: u.seed,
    trainConfig: { msf: plan.phases.msf, dataSeed: plan.spec.dataSeed, study: plan.spec.name },
  });
  const testMsf = r.meta.test_msf as Record<string, number> | undefined;
  return {
    kind: 'projector', path: `projector-d${u.dI}${seedPart(plan, u.seed)}.safetensors`, bytes, unitKey: u.key,
    details: {
      dI: u.dI!, seed: u.seed, dataSeed: plan.spec.dataSeed, tasks: [...plan.spec.tasks.train], testTasks: Object.keys(testMsf ?? {}),
      promptLength: plan.phases.pt.promptTokens, hiddenSize: plan.phases.msf.hidden,
    },
  };
}

/**
 * The files of one finished plan item: PT (and PT on the diff seed) → its best prompt; MSF → the
 * projector; IST → the vector, tied to the projector by its SHA-256. The random-subspace baseline,
 * fine-tuning and IPT-initialised PT leave none (their weights are not meant for reuse).
 * `projectorSha256` gives the hash of the (seed, d_I)'s projector file, computed once by the caller.
 */
export async function itemArtifacts(
  plan: StudyPlan, item: PlanItem, outcome: (key: string) => UnitOutcome, ctx: ArtifactContext,
  projectorSha256: (seed: number, dI: number) => Promise<string>,
): Promise<StudyArtifact[]> {
  switch (item.kind) {
    case 'pt': case 'pt_diff': {
      const task = item.task!;
      const best = bestPtCell(item, outcome);
      const cell = item.units.find((u) => u.key === best.key) ?? item.units[0]!;
      const r = outcome(cell.key);
      const bytes = encodeSoftPrompt({ identity: ctx.identity, promptLength: plan.phases.pt.promptTokens, prompt: best.prompt, task, seed: item.seed });
      return [{
        kind: 'prompt', path: `prompts/${fileSafe(task)}-d${cell.dataSeed}-r${item.seed}.safetensors`, bytes, unitKey: cell.key,
        details: { task, dataSeed: cell.dataSeed!, seed: item.seed, dev: score(r.meta.bestDev), test: score(r.meta.test), lr: cell.cell?.lr ?? null, batchSize: cell.cell?.batchSize ?? null },
      }];
    }
    case 'msf': return [projectorArtifact(plan, item, outcome, ctx)];
    case 'ist': {
      const best = bestCell(item, outcome);
      const u = item.units.find((x) => x.key === best.key)!;
      const r = best.outcome;
      const z = r.tensors.z;
      if (!z) return [];
      const sha = await projectorSha256(u.seed, u.dI!);
      const bytes = encodeIntrinsicVectorFile({ identity: ctx.identity, vector: z.data, task: u.task!, seed: u.seed, projectorSha256: sha });
      return [{
        kind: 'vector', path: `vectors/d${u.dI}${seedPart(plan, u.seed)}/${u.setting}/${fileSafe(u.task!)}-d${u.dataSeed}-r${u.seed}.safetensors`, bytes, unitKey: u.key,
        details: { task: u.task!, dI: u.dI!, setting: u.setting!, dataSeed: u.dataSeed!, seed: u.seed, dev: score(r.meta.bestDev), test: score(r.meta.test), projectorSha256: sha },
      }];
    }
    default: return [];
  }
}

