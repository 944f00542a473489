// Where the study shipped with the embedded model lives (written by `npm run -s ship:study`,
// src/cli/ship-study.ts; read by the app's Results and Start screens).
import type { QuickSplit } from './quick';

/** The folder beside the embedded model's files. */
export const SHIPPED_STUDY_DIR = 'study';

/** One split's results.json, as ipt wrote it. */
export function shippedStudyFile(split: QuickSplit): string {
  return `shipped-${split}.json`;
}

/** The command that reproduces the shipped study (shown beside it). */
export const SHIPPED_STUDY_COMMAND = 'npm run -s ship:study';

/** A split's file relative to the app's root (the embedded model's folder is served there). */
export function shippedStudyPath(split: QuickSplit, model: string): string {
  return `models/${model}/${SHIPPED_STUDY_DIR}/${shippedStudyFile(split)}`;
}

/** The card beside the files (cost, seeds, command), relative to the app's root. */
export function shippedStudyCardPath(model: string): string {
  return `models/${model}/${SHIPPED_STUDY_DIR}/README.md`;
}
