// Artifact command line.
//
//   npm run -s artifact -- inspect <file.safetensors>
//       Prints the header of any safetensors file as JSON: metadata, and each tensor's name,
//       STORED dtype (before the reader's F16/I64 conversions), shape and byte size. Reads only
//       the 8-byte length and then the header (at most the format's 100 MB), so it is instant on
//       a 500 MB checkpoint and a bogus length fails without reading the file.
//   npm run -s artifact -- check <file.safetensors> [--model-id ID --config config.json] [--allow-model-mismatch]
//       Fully validates an Intrinsic Lab projector, prompt or intrinsic-vector file (kind taken
//       from its metadata), optionally against a model, and prints what it holds.
//
// Exit status: 0 ok, 1 invalid file (message on stderr), 2 bad usage.

import { closeSync } from 'node:fs';
import { exitOnHelp } from '../node/cli';
import { InputFileError, MAX_JSON_FILE_BYTES, openRegularFile, readAt, readRegularFile } from '../node/files';
import { ArtifactError } from '../shared/artifacts/errors';
import { modelIdentity, type ModelIdentity } from '../shared/artifacts/identity';
import { ARTIFACT_TAG } from '../shared/artifacts/metadata';
import { decodeProjectorBundle, describeProjector } from '../shared/artifacts/projector';
import { decodeIntrinsicVectorFile, decodeSoftPrompt } from '../shared/artifacts/prompt';
import { DEFAULT_MAX_HEADER_BYTES, parseHeader, SafetensorsError } from '../shared/weights/safetensors';

const USAGE = `usage:
  artifact inspect <file.safetensors>
  artifact check <file.safetensors> [--model-id ID --config config.json] [--allow-model-mismatch]`;

const HELP = `${USAGE}
  inspect: the header of any safetensors file as JSON (metadata; each tensor's stored dtype, shape, bytes).
  check: fully validates an Intrinsic Lab projector, prompt or intrinsic-vector file, optionally against a model.
  Exit status: 0 ok, 1 invalid file (message on stderr), 2 bad usage.`;

/** check reads the whole file into memory: Node's limit for one read. */
const MAX_CHECK_BYTES = 2 ** 31 - 1;

class UsageError extends Error {}

/** A --config file that is not JSON (exit 1, like an invalid artifact). */
class ConfigJsonError extends Error {}

function inspect(path: string): { metadata: Record<string, string> } & Record<string, unknown> {
  const { fd, size: total } = openRegularFile(path);
  try {
    const lenBytes = readAt(fd, 0, Math.min(8, total));
    // The 8-byte length first, then the header only if the format's limit and the file allow it;
    // otherwise parseHeader names the problem from the length alone.
    let prefix = lenBytes;
    if (lenBytes.byteLength === 8) {
      const headerLen = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
      if (headerLen <= BigInt(Math.min(DEFAULT_MAX_HEADER_BYTES, total - 8))) prefix = readAt(fd, 0, 8 + Number(headerLen));
    }
    const header = parseHeader(prefix, total, { source: path });
    return {
      file: path,
      byteLength: total,
      headerByteLength: header.dataStart - 8,
      metadata: header.metadata,
      tensors: header.entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, byteLength: e.end - e.begin })),
    };
  } finally {
    closeSync(fd);
  }
}

async function check(path: string, flags: Map<string, string | true>): Promise<unknown> {
  const modelId = flags.get('--model-id');
  const configPath = flags.get('--config');
  if ((modelId === undefined) !== (configPath === undefined) || modelId === true || configPath === true) {
    throw new UsageError('--model-id and --config go together, each with a value');
  }
  let expect: ModelIdentity | undefined;
  if (typeof modelId === 'string' && typeof configPath === 'string') {
    let config: unknown;
    try {
      config = JSON.parse(readRegularFile(configPath, MAX_JSON_FILE_BYTES, 'a config.json').toString('utf8'));
    } catch (e) {
      if (e instanceof SyntaxError) throw new ConfigJsonError(`${configPath}: not valid JSON (${e.message})`);
      throw e;
    }
    expect = await modelIdentity(modelId, config);
  }
  const opts = { source: path, expect, allowModelMismatch: flags.has('--allow-model-mismatch') };
  // The header first: a bogus one fails before the whole file is read.
  const tag = inspect(path).metadata.artifact;
  const bytes = new Uint8Array(readRegularFile(path, MAX_CHECK_BYTES, '"check"'));
  switch (tag) {
    case ARTIFACT_TAG.projector: {
      const b = decodeProjectorBundle(bytes, opts);
      return { kind: 'projector', ...describeProjector(b), categories: b.tasks.map((t) => t.category) };
    }
    case ARTIFACT_TAG.prompt: {
      const { prompt: _data, ...rest } = decodeSoftPrompt(bytes, opts);
      return { kind: 'prompt', ...rest };
    }
    case ARTIFACT_TAG['intrinsic-vector']: {
      const v = decodeIntrinsicVectorFile(bytes, opts);
      return { kind: 'intrinsic-vector', ...v, vector: [...v.vector] };
    }
    default:
      throw new ArtifactError('wrong-kind', `${path}: not an Intrinsic Lab artifact (metadata "artifact" is ${JSON.stringify(tag ?? null)}); use "inspect" for other safetensors files`);
  }
}

function parseFlags(args: string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--allow-model-mismatch') flags.set(a, true);
    else if (a === '--model-id' || a === '--config') {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      flags.set(a, v);
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else positional.push(a);
  }
  return { positional, flags };
}

async function main(argv: string[]): Promise<number> {
  exitOnHelp(argv, HELP);
  try {
    const [command, ...rest] = argv;
    const { positional, flags } = parseFlags(rest);
    if (positional.length !== 1) throw new UsageError(`expected one file, got ${positional.length}`);
    const file = positional[0]!;
    let out: unknown;
    if (command === 'inspect') {
      if (flags.size > 0) throw new UsageError('inspect takes no options');
      out = inspect(file);
    } else if (command === 'check') out = await check(file, flags);
    else throw new UsageError(command === undefined ? 'no command' : `unknown command "${command}"`);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ArtifactError || e instanceof SafetensorsError) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n`);
      return 1;
    }
    if (e instanceof InputFileError) {
      process.stderr.write(`error [${e.reason}]: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ConfigJsonError) {
      process.stderr.write(`error [bad-json]: ${e.message}\n`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
