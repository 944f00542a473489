// npm run -s tasks -- inspect <dir-or-file | builtin:> [--format auto|tsv|jsonl] [--append-options]
// Prints ONE JSON object {"tasks": [...], "errors": [...]} on stdout; exit 1 when there are errors.
// `builtin:` lists the built-in task world (src/shared/tasks/world), one entry per task, all its seeds
// (builtinTasks(seed) for every CROSSFIT_SEEDS entry, grouped by name).

import { CROSSFIT_SEEDS, groupTasks, inspectReport, TaskError, type InspectReport, type LoadOptions, type TaskProblem } from '../shared/tasks/index';
import { exitOnHelp } from '../node/cli';
import { loadTasksFromPath } from '../node/tasks';

const USAGE = 'usage: npm run -s tasks -- inspect <dir-or-file | builtin:> [--format auto|tsv|jsonl] [--append-options]';
const HELP = `${USAGE}
  Prints one JSON object {"tasks": [...], "errors": [...]}; exit 1 when there are errors.
  builtin: lists the built-in task world, one entry per task with all its seeds.`;

async function builtinReport(): Promise<InspectReport> {
  // Imported lazily: only `builtin:` pays for generating the world.
  let world: typeof import('../shared/tasks/world/index');
  try {
    world = await import('../shared/tasks/world/index');
  } catch (err) {
    const msg = `the built-in task world could not be loaded (src/shared/tasks/world/index.ts): ${(err as Error).message}`;
    return inspectReport([], [{ code: 'not-found', message: msg }]);
  }
  const all = CROSSFIT_SEEDS.flatMap((seed) => world.builtinTasks(seed));
  return inspectReport(groupTasks(all, 'builtin'));
}

async function inspect(target: string, opts: LoadOptions): Promise<InspectReport> {
  if (target === 'builtin:') return builtinReport();
  try {
    const { tasks } = await loadTasksFromPath(target, opts);
    return inspectReport(tasks);
  } catch (err) {
    if (err instanceof TaskError) return inspectReport([], err.problems);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return inspectReport([], [{ code: 'not-found', file: target, message: `${target}: no such file or folder` }]);
    throw err;
  }
}

function parseArgs(argv: readonly string[]): { command: string; target: string; opts: LoadOptions } | string {
  const [command, ...rest] = argv;
  let target: string | undefined;
  let format: LoadOptions['format'];
  let appendOptions = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--format') {
      const v = rest[++i];
      if (v !== 'auto' && v !== 'tsv' && v !== 'jsonl') return `--format takes auto, tsv or jsonl, got ${v}`;
      format = v;
    } else if (a === '--append-options') {
      appendOptions = true;
    } else if (a.startsWith('--')) {
      return `unknown option ${a}`;
    } else if (target === undefined) {
      target = a;
    } else {
      return `unexpected argument ${a}`;
    }
  }
  if (command !== 'inspect') return `unknown command ${command ?? '(none)'}`;
  if (target === undefined) return 'inspect needs a folder, a file or builtin:';
  return { command, target, opts: { ...(format && { format }), appendOptions } };
}

async function main(): Promise<number> {
  exitOnHelp(process.argv.slice(2), HELP);
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    const errors: TaskProblem[] = [{ code: 'not-found', message: `${args}\n${USAGE}` }];
    process.stdout.write(JSON.stringify({ tasks: [], errors }) + '\n');
    return 2;
  }
  const report = await inspect(args.target, args.opts);
  process.stdout.write(JSON.stringify(report) + '\n');
  return report.errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Still one JSON object on stdout, so scripts reading it never see a parse error.
    const errors = [{ code: 'internal', message: (err as Error).message ?? String(err) }];
    process.stdout.write(JSON.stringify({ tasks: [], errors }) + '\n');
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 3;
  },
);
