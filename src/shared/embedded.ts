// The embedded default model: pre-trained by `npm run pretrain:tiny` (src/cli/pretrain-tiny.ts) and
// shipped in public/models/<name>/, served at models/<name>/ next to the app. The app's Model
// screen, the headless runner's --quick study and the tests all name it through this constant.
export const EMBEDDED_MODEL = 'intrinsic-bart-tiny';

/**
 * The projector bundle shipped with the embedded model (trained on the built-in world's `random`
 * training tasks, d_I 10): Explore opens it when nothing else is asked for, and a share link
 * names it by `id` (`e=`) instead of a URL. `path` is relative to the app's root, like the model's
 * folder; its bundle's model_id is `embedded:<EMBEDDED_MODEL>` (the id the engine gives the model).
 */
export const EMBEDDED_PROJECTOR = {
  id: `embedded:${EMBEDDED_MODEL}/d10`,
  path: `models/${EMBEDDED_MODEL}/projector-d10.safetensors`,
  model: EMBEDDED_MODEL,
} as const;

/** The shipped projector a share link's `e=` id names, or null when this app ships none by that id. */
export function embeddedProjector(id: string): typeof EMBEDDED_PROJECTOR | null {
  return id === EMBEDDED_PROJECTOR.id ? EMBEDDED_PROJECTOR : null;
}
