import { describe, expect, it } from 'vitest';
import {
  TaskError, decodeUtf8, fetchTextFiles, loadFromUrls, loadPickedFiles, loadTasks, normalizePath, readPickedFiles, type PickedFile,
} from '../../../../src/shared/tasks/index';
import { problemsOf } from './support';

const bufferOf = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;
const picked = (name: string, text: string, webkitRelativePath = ''): PickedFile => ({ name, webkitRelativePath, arrayBuffer: async () => bufferOf(text) });

describe('file sources share one parser', () => {
  it('picked folders keep their relative paths; a picked single file uses its name', async () => {
    const files = await readPickedFiles([
      picked('t_16_100_train.tsv', '\ufeffa\tx\n', 'data/t/t_16_100_train.tsv'),
      picked('t_16_100_dev.tsv', 'b\ty\n', 'data/t/t_16_100_dev.tsv'),
      picked('notes.csv', 'input,output\n', ''),
    ]);
    expect(files.map((f) => f.path)).toEqual(['data/t/t_16_100_train.tsv', 'data/t/t_16_100_dev.tsv', 'notes.csv']);
    // The BOM is not part of the first input.
    expect(loadTasks(files.slice(0, 2)).tasks[0]!.bySeed[0]!.train[0]!.input).toBe('a');
  });

  it('fetches URLs (paths from the URL or given), and reports every failed fetch', async () => {
    const served: Record<string, string> = {
      'http://localhost/d/t_16_1_train.tsv?v=2': 'a\tx\n',
      'http://localhost/d/dev': 'b\ty\n',
    };
    const fake = async (url: string) => ({ ok: url in served, status: url in served ? 200 : 404, arrayBuffer: async () => bufferOf(served[url] ?? '') });
    const files = await fetchTextFiles(
      ['http://localhost/d/t_16_1_train.tsv?v=2', { url: 'http://localhost/d/dev', path: 't/t_16_1_dev.tsv' }],
      fake,
    );
    expect(files.map((f) => f.path)).toEqual(['t_16_1_train.tsv', 't/t_16_1_dev.tsv']);
    await expect(fetchTextFiles(['http://localhost/missing.tsv', 'http://localhost/gone.csv'], fake)).rejects.toSatisfy(
      (e: unknown) => e instanceof TaskError && e.problems.length === 2 && e.problems[0]!.file === 'http://localhost/missing.tsv' && e.problems[0]!.message.includes('404'),
    );
    const throwing = async () => {
      throw new Error('network down');
    };
    await expect(fetchTextFiles(['http://localhost/x.tsv'], throwing)).rejects.toThrow(/network down/);
  });

  it('loadPickedFiles and loadFromUrls give the same tasks as loadTasks on the same text', async () => {
    const train = 'a\tx\nb\ty\n';
    const dev = 'c\tx\n';
    const expected = loadTasks([{ path: 't/t_16_1_train.tsv', text: train }, { path: 't/t_16_1_dev.tsv', text: dev }]).tasks;
    const fromPicked = await loadPickedFiles([picked('t_16_1_train.tsv', train, 'up/t/t_16_1_train.tsv'), picked('t_16_1_dev.tsv', dev, 'up/t/t_16_1_dev.tsv')]);
    expect(fromPicked.tasks.map((t) => t.bySeed)).toEqual(expected.map((t) => t.bySeed));
    const served: Record<string, string> = { 'http://localhost/t_16_1_train.tsv': train, 'http://localhost/t_16_1_dev.tsv': dev };
    const fake = async (url: string) => ({ ok: true, status: 200, arrayBuffer: async () => bufferOf(served[url]!) });
    const fromUrls = await loadFromUrls(Object.keys(served), {}, fake);
    expect(fromUrls.tasks.map((t) => t.bySeed)).toEqual(expected.map((t) => t.bySeed));
  });

  it('decodes UTF-8 strictly and names the file otherwise', () => {
    expect(decodeUtf8('a.tsv', new TextEncoder().encode('\ufeffé\tx')).text).toBe('é\tx');
    const p = problemsOf(() => decodeUtf8('bin.tsv', new Uint8Array([0x61, 0xff, 0xfe, 0x09])));
    expect(p[0]).toMatchObject({ code: 'bad-encoding', file: 'bin.tsv' });
  });

  it('picked files and fetched URLs with invalid UTF-8 are refused, naming the file (as the CLI does)', async () => {
    // "caf" + a lone 0xE9 (Latin-1 é): File.text() would have read it as "caf\uFFFD".
    const latin1 = new File([new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x09, 0x78, 0x0a])], 't_16_1_train.tsv');
    const fine = new File(['b\ty\n'], 't_16_1_dev.tsv');
    await expect(readPickedFiles([latin1, fine])).rejects.toSatisfy(
      (e: unknown) => e instanceof TaskError && e.problems.length === 1 && e.problems[0]!.code === 'bad-encoding' && e.problems[0]!.file === 't_16_1_train.tsv',
    );
    const fake = async () => ({ ok: true, status: 200, arrayBuffer: async () => latin1.arrayBuffer() });
    await expect(fetchTextFiles(['http://localhost/t_16_1_train.tsv'], fake)).rejects.toSatisfy(
      (e: unknown) => e instanceof TaskError && e.problems[0]!.code === 'bad-encoding' && e.problems[0]!.file === 'http://localhost/t_16_1_train.tsv',
    );
  });

  it('normalises Windows and ./ paths', () => {
    expect(normalizePath('.\\data\\t\\t_16_1_dev.tsv')).toBe('data/t/t_16_1_dev.tsv');
    expect(normalizePath('/a//b/./c')).toBe('a/b/c');
  });
});
