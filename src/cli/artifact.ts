// Artifact command line.
//
//   npm run -s artifact -- inspect <file.safetensors | file.pt>
//       A safetensors file: prints its header as JSON: metadata, and each tensor's name, STORED
//       dtype (before the reader's F16/I64 conversions), shape and byte size. Reads only the 8-byte
//       length and then the header (at most the format's 100 MB), so it is instant on a 500 MB
//       checkpoint and a bogus length fails without reading the file.
//       A PyTorch file (torch.save, zip or legacy format; told apart by its first bytes): every
//       tensor's path, shape, dtype, stride, offset, device and storage, every other value and
//       container, the zip entries or legacy layout, and the pickle's opcodes and globals. Nothing
//       in the file is executed (src/shared/torch).
//   npm run -s artifact -- check <file.safetensors> [--model-id ID --config config.json] [--allow-model-mismatch]
//       Fully validates an Intrinsic Lab projector, prompt or intrinsic-vector file (kind taken
//       from its metadata), optionally against a model, and prints what it holds.
//   npm run -s artifact -- convert <file.pt> <out.safetensors> --model <folder> [--model-id ID]
//       Turns the paper's reference files into Intrinsic Lab artifacts for the model in <folder>
//       (its config.json gives the identity): an MSF checkpoint best-ckpt.pt into a projector
//       bundle, a prompt {task}_{K}_{seed}_best.pt into a soft prompt. --model-id is the id the app
//       shows for the model (hub:facebook/bart-base ...); a folder public/models/<name> defaults to
//       embedded:<name>. Prints the kind and the conversion notes.
//   npm run -s artifact -- export-peft <prompt.safetensors> <dir> --model <folder> [--model-id ID]
//                                      [--base-model ID] [--allow-model-mismatch]
//       Writes a PEFT prompt-tuning adapter (adapter_config.json, adapter_model.safetensors) into
//       <dir>. PEFT records the model's encoder layer and head counts, which a prompt file does not
//       hold, so --model names the prompt's model folder (checked against the prompt's identity).
//       base_model_name_or_path is --base-model, else the Hub id of a "hub:" model, else the folder.
//
// Outputs are written to a temporary name and renamed, so a failure leaves no half-written file.
//
// Exit status: 0 ok, 1 invalid file (message on stderr), 2 bad usage.

import { closeSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { exitOnHelp } from '../node/cli';
import { InputFileError, MAX_JSON_FILE_BYTES, openRegularFile, readAt, readRegularFile } from '../node/files';
import { ArtifactError } from '../shared/artifacts/errors';
import { modelIdentity, type ModelIdentity } from '../shared/artifacts/identity';
import { ARTIFACT_TAG } from '../shared/artifacts/metadata';
import { decodeProjectorBundle, describeProjector } from '../shared/artifacts/projector';
import { exportPeftPromptTuning, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from '../shared/artifacts/peft';
import { decodeIntrinsicVectorFile, decodeSoftPrompt } from '../shared/artifacts/prompt';
import { torchFileToArtifact } from '../shared/artifacts/reference';
import { ConfigError, parseBartConfig } from '../shared/model/config';
import { TorchFileError } from '../shared/torch/errors';
import { isTorchFile, readTorchFile } from '../shared/torch/read';
import { DEFAULT_MAX_HEADER_BYTES, parseHeader, SafetensorsError } from '../shared/weights/safetensors';

const USAGE = `usage:
  artifact inspect <file.safetensors | file.pt>
  artifact check <file.safetensors> [--model-id ID --config config.json] [--allow-model-mismatch]
  artifact convert <file.pt> <out.safetensors> --model <folder> [--model-id ID]
  artifact export-peft <prompt.safetensors> <dir> --model <folder> [--model-id ID] [--base-model ID] [--allow-model-mismatch]`;

const HELP = `${USAGE}
  inspect: the header of any safetensors file as JSON (metadata; each tensor's stored dtype, shape, bytes),
    or a PyTorch .pt file's tensors (path, shape, dtype, ...), other values and containers; nothing in it is executed.
  check: fully validates an Intrinsic Lab projector, prompt or intrinsic-vector file, optionally against a model.
  convert: the reference code's best-ckpt.pt into a projector bundle, or its {task}_{K}_{seed}_best.pt into a
    soft prompt, for the model in <folder> (config.json; --model-id defaults to embedded:<name> for public/models/<name>).
  export-peft: a soft prompt as a PEFT prompt-tuning adapter folder (adapter_config.json, adapter_model.safetensors);
    --model is the prompt's model folder (PEFT records its layer and head counts).
  Exit status: 0 ok, 1 invalid file (message on stderr), 2 bad usage.`;

/** check reads the whole file into memory: Node's limit for one read. */
const MAX_CHECK_BYTES = 2 ** 31 - 1;

class UsageError extends Error {}

/** A --config file that is not JSON (exit 1, like an invalid artifact). */
class ConfigJsonError extends Error {}

function inspect(path: string): { metadata?: Record<string, string> } & Record<string, unknown> {
  const { fd, size: total } = openRegularFile(path);
  try {
    const lenBytes = readAt(fd, 0, Math.min(8, total));
    if (isTorchFile(lenBytes)) return inspectTorch(path);
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

function inspectTorch(path: string): Record<string, unknown> {
  const bytes = new Uint8Array(readRegularFile(path, MAX_CHECK_BYTES, 'a PyTorch file'));
  const f = readTorchFile(bytes, { source: path });
  return {
    file: path,
    byteLength: bytes.length,
    format: f.format,
    ...(f.zip ? { archivePrefix: f.zip.prefix, entries: f.zip.entries.map((e) => ({ name: e.name, size: e.size, compression: e.compression, dataOffset: e.dataOffset })) } : {}),
    ...(f.legacy ? { legacy: f.legacy } : {}),
    pickle: f.pickle,
    tensors: f.tensors.map((t) => ({ path: t.path, shape: t.shape, dtype: t.dtype, stride: t.stride, offset: t.offset, location: t.location, storage: t.storage, requiresGrad: t.requiresGrad })),
    scalars: f.scalars,
    containers: f.containers,
  };
}

/** The identity of the model in a folder: its config.json, and --model-id (embedded:<name> for public/models/<name>). */
async function folderIdentity(folder: string, modelId: string | undefined): Promise<{ identity: ModelIdentity; config: unknown }> {
  const configPath = join(folder, 'config.json');
  const config = readJson(configPath);
  let id = modelId;
  if (id === undefined) {
    const abs = resolve(folder);
    if (basename(dirname(abs)) !== 'models' || basename(dirname(dirname(abs))) !== 'public') {
      throw new UsageError(`--model-id is needed for ${folder} (the id the app shows for the model, e.g. hub:facebook/bart-base); only public/models/<name> defaults to embedded:<name>`);
    }
    id = `embedded:${basename(abs)}`;
  }
  return { identity: await modelIdentity(id, config), config };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readRegularFile(path, MAX_JSON_FILE_BYTES, 'a config.json').toString('utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) throw new ConfigJsonError(`${path}: not valid JSON (${e.message})`);
    throw e;
  }
}

/** Writes via a temporary name in the same folder, so `path` is either whole or untouched. */
function writeWhole(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

async function convert(input: string, out: string, flags: Map<string, string | true>): Promise<unknown> {
  const folder = stringFlag(flags, '--model', true)!;
  const { identity } = await folderIdentity(folder, stringFlag(flags, '--model-id'));
  const bytes = new Uint8Array(readRegularFile(input, MAX_CHECK_BYTES, 'a PyTorch file'));
  const artifact = torchFileToArtifact(bytes, { identity, name: input });
  writeWhole(out, artifact.bytes);
  return { kind: artifact.kind, out, byteLength: artifact.bytes.length, modelId: identity.modelId, notes: artifact.notes };
}

async function exportPeft(input: string, dir: string, flags: Map<string, string | true>): Promise<unknown> {
  const folder = stringFlag(flags, '--model', true, 'export-peft needs --model <folder>: the prompt\'s model, whose encoder layer and head counts PEFT records (a prompt file holds only d_model)')!;
  const { identity, config } = await folderIdentity(folder, stringFlag(flags, '--model-id'));
  const bytes = new Uint8Array(readRegularFile(input, MAX_CHECK_BYTES, 'a prompt file'));
  const p = decodeSoftPrompt(bytes, { source: input, expect: identity, allowModelMismatch: flags.has('--allow-model-mismatch') });
  const bart = parseBartConfig(config);
  const hub = /^hub:([^@]+)/.exec(p.modelId);
  const baseModel = stringFlag(flags, '--base-model') ?? (hub ? hub[1]! : resolve(folder));
  const files = exportPeftPromptTuning({ prompt: p.prompt, promptLength: p.promptLength, dModel: p.dModel, baseModel, numLayers: bart.encoderLayers, numAttentionHeads: bart.encoderAttentionHeads });
  mkdirSync(dir, { recursive: true });
  writeWhole(join(dir, PEFT_WEIGHTS_FILE), files[PEFT_WEIGHTS_FILE]);
  writeWhole(join(dir, PEFT_CONFIG_FILE), files[PEFT_CONFIG_FILE]);
  return { dir, files: [PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE], baseModel, promptLength: p.promptLength, dModel: p.dModel, task: p.task };
}

function stringFlag(flags: Map<string, string | true>, name: string, required = false, missing?: string): string | undefined {
  const v = flags.get(name);
  if (v === undefined) {
    if (required) throw new UsageError(missing ?? `${name} is required`);
    return undefined;
  }
  if (v === true) throw new UsageError(`${name} needs a value`);
  return v;
}

async function check(path: string, flags: Map<string, string | true>): Promise<unknown> {
  const modelId = flags.get('--model-id');
  const configPath = flags.get('--config');
  if ((modelId === undefined) !== (configPath === undefined) || modelId === true || configPath === true) {
    throw new UsageError('--model-id and --config go together, each with a value');
  }
  let expect: ModelIdentity | undefined;
  if (typeof modelId === 'string' && typeof configPath === 'string') expect = await modelIdentity(modelId, readJson(configPath));
  const opts = { source: path, expect, allowModelMismatch: flags.has('--allow-model-mismatch') };
  // The header first: a bogus one fails before the whole file is read.
  const tag = inspect(path).metadata?.artifact;
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

const COMMANDS: Record<string, { args: string[]; flags: string[] }> = {
  inspect: { args: ['<file>'], flags: [] },
  check: { args: ['<file.safetensors>'], flags: ['--model-id', '--config', '--allow-model-mismatch'] },
  convert: { args: ['<file.pt>', '<out.safetensors>'], flags: ['--model', '--model-id'] },
  'export-peft': { args: ['<prompt.safetensors>', '<dir>'], flags: ['--model', '--model-id', '--base-model', '--allow-model-mismatch'] },
};

function parseFlags(args: string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--allow-model-mismatch') flags.set(a, true);
    else if (a === '--model-id' || a === '--config' || a === '--model' || a === '--base-model') {
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
    const spec = COMMANDS[command ?? ''];
    if (!spec) throw new UsageError(command === undefined ? 'no command' : `unknown command "${command}"`);
    if (positional.length !== spec.args.length) throw new UsageError(`${command} takes ${spec.args.join(' ')}, got ${positional.length} argument${positional.length === 1 ? '' : 's'}`);
    for (const f of flags.keys()) if (!spec.flags.includes(f)) throw new UsageError(spec.flags.length ? `${command} does not take ${f}` : `${command} takes no options`);
    const [file, second] = positional as [string, string];
    let out: unknown;
    if (command === 'inspect') out = inspect(file);
    else if (command === 'check') out = await check(file, flags);
    else if (command === 'convert') out = await convert(file, second, flags);
    else out = await exportPeft(file, second, flags);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ArtifactError || e instanceof SafetensorsError || e instanceof TorchFileError) {
      process.stderr.write(`error [${e.code}]: ${e.message}\n`);
      return 1;
    }
    if (e instanceof InputFileError) {
      process.stderr.write(`error [${e.reason}]: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`error [bad-config]: ${e.message}\n`);
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
