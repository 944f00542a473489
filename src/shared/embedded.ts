// The embedded default model: pre-trained by `npm run pretrain:tiny` (src/cli/pretrain-tiny.ts) and
// shipped in public/models/<name>/, served at models/<name>/ next to the app. The app's Model
// screen, the headless runner's --quick study and the tests all name it through this constant.
export const EMBEDDED_MODEL = 'intrinsic-bart-tiny';
