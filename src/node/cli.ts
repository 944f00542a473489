// What every runner in src/cli does with --help (or -h): its usage on stdout and exit 0, before it
// parses anything else.

export function exitOnHelp(argv: readonly string[], usage: string): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  process.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
  process.exit(0);
}
