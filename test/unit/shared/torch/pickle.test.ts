// The pickle decoder on hand-made pickles: what torch.save writes decodes; anything that would
// import or call code, and every malformed or hostile shape, is refused with a specific error.
import { describe, expect, it } from 'vitest';
import { TorchFileError } from '../../../../src/shared/torch/errors';
import { PyDict, unpickle, type PyValue } from '../../../../src/shared/torch/pickle';
import { readTorchFile } from '../../../../src/shared/torch/read';
import { archive, f32Bytes, legacyFile, legacyTensor, P, torchZip } from './support';

function refusal(f: () => unknown): TorchFileError {
  try {
    f();
  } catch (e) {
    if (e instanceof TorchFileError) return e;
    throw e;
  }
  throw new Error('expected a TorchFileError');
}

const run = (p: P): PyValue => unpickle(p.bytes(), 0, { label: 'test.pkl' }).value;

describe('pickle decoder: refusals', () => {
  it('refuses os.system at its GLOBAL, before any REDUCE could call it', () => {
    // pickle.dumps of a class whose __reduce__ returns (os.system, ('echo pwned',)): GLOBAL, args, REDUCE.
    const evil = new P().proto().global('posix', 'system').str('echo pwned').raw(0x85).reduce().stop();
    const e = refusal(() => readTorchFile(archive(evil.bytes()), { source: 'evil.pt' }));
    expect(e.code).toBe('refused-global');
    expect(e.message).toBe('evil.pt: archive/data.pkl offset 2 (GLOBAL): global "posix.system" is refused: only the globals torch.save uses for tensors and plain containers are read, and none is ever called');
    for (const [m, n] of [['os', 'system'], ['builtins', 'eval'], ['builtins', 'getattr'], ['subprocess', 'Popen'], ['torch', 'load'], ['torch._utils', '_rebuild_device_tensor_from_numpy'], ['collections', 'defaultdict']]) {
      const r = refusal(() => run(new P().proto().global(m!, n!).emptyTuple().reduce().stop()));
      expect(r.code, `${m}.${n}`).toBe('refused-global');
      expect(r.message).toContain(`"${m}.${n}"`);
    }
  });

  it('refuses STACK_GLOBAL (protocol 4), NEWOBJ, INST, OBJ and the other opcodes torch.save never writes, naming them', () => {
    // STACK_GLOBAL takes module and name from the stack: "os", "system", then REDUCE.
    const stackGlobal = new P().proto().str('os').str('system').raw(0x93).str('id').raw(0x85).reduce().stop();
    const e = refusal(() => run(stackGlobal));
    expect(e.code).toBe('unsupported-opcode');
    expect(e.message).toBe('test.pkl offset 20 (STACK_GLOBAL): opcode 0x93 (STACK_GLOBAL) is not one torch.save writes; refused');
    for (const [op, name] of [[0x81, 'NEWOBJ'], [0x69, 'INST'], [0x6f, 'OBJ'], [0x50, 'PERSID'], [0x82, 'EXT1'], [0x95, 'FRAME'], [0x8c, 'SHORT_BINUNICODE'], [0x43, 'SHORT_BINBYTES'], [0x30, 'POP'], [0xff, 'unknown']] as const) {
      const r = refusal(() => run(new P().proto().raw(op).stop()));
      expect(r.code, name).toBe('unsupported-opcode');
      expect(r.message).toContain(`(${name})`);
    }
    expect(refusal(() => run(new P().proto(4).none().stop())).message).toBe('test.pkl offset 0 (PROTO): pickle protocol 4; torch.save writes protocol 2');
  });

  it('allowed globals are only built, never called outside their one form', () => {
    expect(refusal(() => run(new P().proto().global('torch', 'FloatStorage').emptyTuple().reduce().stop())).message).toContain('torch.FloatStorage is not callable here');
    expect(refusal(() => run(new P().proto().global('collections', 'OrderedDict').str('x').raw(0x85).reduce().stop())).code).toBe('bad-pickle');
    expect(refusal(() => run(new P().proto().global('_codecs', 'encode').str('abc').str('rot13').raw(0x86).reduce().stop())).message).toContain('only read as encode(str, "latin1")');
    // REDUCE of something that is not a global (a string) is refused too.
    expect(refusal(() => run(new P().proto().str('os.system').emptyTuple().reduce().stop())).message).toContain('calls a str');
    expect(refusal(() => run(new P().proto().global('numpy', 'dtype').str('O').raw(0x85).reduce().stop())).code).toBe('unsupported-dtype');
  });

  it('malformed pickles: stack underflow, unknown memo, odd SETITEMS, no STOP, leftovers, bad UTF-8', () => {
    expect(refusal(() => run(new P().proto().reduce().stop())).message).toBe('test.pkl offset 2 (REDUCE): pops an empty stack');
    expect(refusal(() => run(new P().proto().get(7).stop())).message).toContain('memo entry 7 was never stored');
    expect(refusal(() => run(new P().proto().emptyDict().mark().str('a').setitems().stop())).code).toBe('bad-pickle');
    expect(refusal(() => run(new P().proto().none())).code).toBe('truncated');
    expect(refusal(() => run(new P().proto().none().none().stop())).message).toContain('1 values and 0 marks are left');
    expect(refusal(() => run(new P().proto().raw(0x58, 2, 0, 0, 0, 0xc3, 0x28).stop())).message).toContain('not valid UTF-8');
    expect(refusal(() => run(new P().proto().raw(0x58, 0xff, 0xff, 0xff, 0x7f).stop())).code).toBe('truncated');
    expect(refusal(() => run(new P().proto().int(1).int(2).append().stop())).message).toContain('appends to a int');
    expect(refusal(() => run(new P().proto().emptyDict().emptyList().none().setitem().stop())).message).toContain('a dict key of type list');
  });

  it('decodes what torch.save writes: ints vs floats, nested containers, memo, bool, None, numpy float64', () => {
    const v = run(
      new P().proto().emptyDict().put(0).mark()
        .str('i').int(3).str('f').float(0).str('l').emptyList().put(1).mark().int(70000).none().bool(true).appends()
        .str('t').get(1).raw(0x85)
        .str('np').global('numpy.core.multiarray', 'scalar').global('numpy', 'dtype').str('f8').bool(false).bool(true).raw(0x87).reduce()
        .mark().int(3).str('<').none().none().none().int(-1 >>> 0).int(-1 >>> 0).int(0).tuple().raw(0x62)
        .global('_codecs', 'encode').str(String.fromCharCode(...new Uint8Array(Float64Array.of(0.5833333333333333).buffer))).str('latin1').raw(0x86).reduce()
        .raw(0x86).reduce()
        .setitems().stop(),
    );
    expect(v).toBeInstanceOf(PyDict);
    const d = v as PyDict;
    expect([...d.map.values()].map(([k]) => k)).toEqual(['i', 'f', 'l', 't', 'np']);
    expect(d.map.get('si')![1]).toBe(3n);
    expect(d.map.get('sf')![1]).toBe(0);
    expect(d.map.get('snp')![1]).toMatchObject({ dtype: 'float64', value: 0.5833333333333333 });
  });
});

describe('tensors from hand-made archives', () => {
  it('honours storage offset and stride (a transposed view), shares storages, and keeps ints exact', () => {
    // Storage "0" = [0..5]; a = its [2, 3] contiguous view; b = the transpose of a 2x2 view at offset 1.
    const pkl = new P().proto().emptyDict().mark()
      .str('a').tensor({ key: '0', numel: 6, shape: [2, 3], stride: [3, 1] })
      .str('b').tensor({ key: '0', numel: 6, offset: 1, shape: [2, 2], stride: [1, 3] })
      .str('n').tensor({ key: '1', cls: 'LongStorage', numel: 2, shape: [2], stride: [1] })
      .str('h').tensor({ key: '2', cls: 'HalfStorage', numel: 2, shape: [2], stride: [1] })
      .str('z').tensor({ key: '0', numel: 6, offset: 2, shape: [3, 0], stride: [1, 1] })
      .setitems().stop();
    const int64 = new Uint8Array(BigInt64Array.of(-(2n ** 62n), 7n).buffer);
    const half = Uint8Array.of(0x00, 0x3c, 0x00, 0xc0); // 1.0, -2.0
    const r = readTorchFile(archive(pkl.bytes(), { 0: f32Bytes([0, 1, 2, 3, 4, 5]), 1: int64, 2: half }));
    const by = new Map(r.tensors.map((t) => [t.path.join('.'), t]));
    expect([...by.get('a')!.data]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(by.get('b')).toMatchObject({ shape: [2, 2], stride: [1, 3], offset: 1, dtype: 'float32' });
    expect([...by.get('b')!.data]).toEqual([1, 4, 2, 5]);
    expect(by.get('n')!.data).toEqual(BigInt64Array.of(-(2n ** 62n), 7n));
    expect(by.get('h')).toMatchObject({ dtype: 'float16' });
    expect([...by.get('h')!.data]).toEqual([1, -2]);
    expect(by.get('z')!.data.length).toBe(0);
  });

  it('refuses a view past its storage, a storage entry too short, a missing one, and unmapped storage classes', () => {
    const view = (t: Parameters<P['tensor']>[0]) => new P().proto().tensor(t).stop().bytes();
    const e = refusal(() => readTorchFile(archive(view({ key: '0', numel: 4, offset: 1, shape: [2, 2], stride: [2, 1] }), { 0: f32Bytes([1, 2, 3, 4]) }), { source: 'x.pt' }));
    expect(e.code).toBe('bad-tensor');
    expect(e.message).toContain('reaches element 4 of storage "0", which holds 4');
    expect(refusal(() => readTorchFile(archive(view({ key: '0', numel: 4, shape: [4], stride: [1] }), { 0: f32Bytes([1, 2]) }))).code).toBe('truncated');
    expect(refusal(() => readTorchFile(archive(view({ key: '0', numel: 4, shape: [4], stride: [1] })))).message).toContain('storage "0" has no entry "archive/data/0"');
    expect(refusal(() => readTorchFile(archive(view({ key: '0', cls: 'ComplexFloatStorage', numel: 1, shape: [1], stride: [1] })))).code).toBe('refused-global');
  });

  it('a small file cannot ask for gigabytes: stride-0 views are bounded, and so are memo-shared trees', () => {
    // One float viewed as [2^20, 2^10] with stride 0: 4 GiB once copied out.
    const big = new P().proto().tensor({ key: '0', numel: 1, shape: [1 << 20, 1 << 10], stride: [0, 0] }).stop().bytes();
    expect(refusal(() => readTorchFile(archive(big, { 0: f32Bytes([1]) }))).code).toBe('limit-exceeded');
    // l0 = [x, x], l1 = [l0, l0], ... 40 levels: a 2^40-leaf tree from ~300 bytes.
    const dag = new P().proto().none();
    for (let i = 0; i < 40; i++) dag.put(0).get(0).raw(0x86);
    expect(refusal(() => readTorchFile(archive(dag.stop().bytes()))).code).toBe('limit-exceeded');
    // Nesting deeper than the limit, and a list that contains itself.
    const deep = new P().proto();
    for (let i = 0; i < 300; i++) deep.emptyList();
    for (let i = 0; i < 299; i++) deep.append();
    expect(refusal(() => readTorchFile(archive(deep.stop().bytes()))).message).toContain('nested deeper than 200');
    const cycle = new P().proto().emptyList().put(0).get(0).append().stop();
    expect(refusal(() => readTorchFile(archive(cycle.bytes()))).message).toContain('a container contains itself');
  });

  it('refuses bytes that are no PyTorch file, naming what it looked for', () => {
    const e = refusal(() => readTorchFile(new TextEncoder().encode('{"not": "torch"}'), { source: 'a.json' }));
    expect(e.code).toBe('not-torch');
    expect(e.message).toMatch(/^a\.json: not a PyTorch file/);
  });
});

describe('details torch.save can write', () => {
  it('an nn.Parameter (_rebuild_parameter) is its tensor, with requires_grad', () => {
    const pkl = new P().proto().global('torch._utils', '_rebuild_parameter').mark()
      .tensor({ key: '0', numel: 2, shape: [2], stride: [1] }).bool(true).orderedDict().tuple().reduce().stop();
    const [t] = readTorchFile(archive(pkl.bytes(), { 0: f32Bytes([3, 4]) })).tensors;
    expect(t).toMatchObject({ path: [], shape: [2], requiresGrad: true });
    expect([...t!.data]).toEqual([3, 4]);
  });

  it('a torch 2.x byteorder entry must say little', () => {
    const pkl = new P().proto().none().stop().bytes();
    const files = (order: string) => torchZip([{ name: 'a/data.pkl', data: pkl }, { name: 'a/byteorder', data: new TextEncoder().encode(order) }]);
    expect(readTorchFile(files('little')).format).toBe('zip');
    expect(refusal(() => readTorchFile(files('big'))).message).toBe('a/byteorder says the storages are not little-endian');
  });

  it('legacy files: two storages in key order; big-endian files, storage views and wrong counts are refused', () => {
    const obj = (view = false) => {
      const p = new P().proto().emptyDict().mark().str('a');
      legacyTensor(p, { key: 'k1', numel: 2, shape: [2], stride: [1], view }).str('b');
      return legacyTensor(p, { key: 'k2', numel: 3, shape: [3], stride: [1] }).setitems().stop().bytes();
    };
    const blobs = [{ key: 'k1', data: f32Bytes([1, 2]) }, { key: 'k2', data: f32Bytes([3, 4, 5]) }];
    const ok = readTorchFile(legacyFile(obj(), blobs));
    expect(ok.format).toBe('legacy');
    expect(ok.tensors.map((t) => [t.path[0], [...t.data]])).toEqual([['a', [1, 2]], ['b', [3, 4, 5]]]);
    expect(ok.legacy!.storageKeys).toEqual(['k1', 'k2']);
    expect(refusal(() => readTorchFile(legacyFile(obj(), blobs, { littleEndian: false }))).code).toBe('unsupported-legacy');
    expect(refusal(() => readTorchFile(legacyFile(obj(true), blobs))).message).toContain('is a view of another storage');
    expect(refusal(() => readTorchFile(legacyFile(obj(), [blobs[0]!, { key: 'k2', count: 4n, data: f32Bytes([3, 4, 5]) }]))).message).toContain('says 4 elements; its persistent id says 3');
    expect(refusal(() => readTorchFile(legacyFile(obj(), [blobs[0]!])))).toMatchObject({ code: 'bad-pickle', message: expect.stringContaining('legacy storage "k2" is used by a tensor but not in the storage-key list') });
    const whole = legacyFile(obj(), blobs);
    expect(refusal(() => readTorchFile(whole.subarray(0, whole.length - 1))).code).toBe('truncated');
  });
});

it('a GLOBAL without its newline is refused after 256 bytes, not after a scan of the whole file', () => {
  const name = new P().proto().raw(0x63, ...new Array<number>(300).fill(0x61), 0x0a, 0x0a).stop();
  expect(refusal(() => run(name))).toMatchObject({ code: 'bad-pickle', message: 'test.pkl offset 2 (GLOBAL): a global name without its newline within 256 bytes' });
  expect(refusal(() => run(new P().proto().raw(0x63, 0x61, 0x61)))).toMatchObject({ code: 'truncated' });
});

it('two tensors viewing one whole storage get separate arrays', () => {
  const pkl = new P().proto().emptyList().mark()
    .tensor({ key: '0', numel: 2, shape: [2], stride: [1] })
    .tensor({ key: '0', numel: 2, shape: [2], stride: [1] })
    .tensor({ key: '0', numel: 2, shape: [1, 2], stride: [2, 1] })
    .appends().stop();
  const [a, b, c] = readTorchFile(archive(pkl.bytes(), { 0: f32Bytes([1, 2]) })).tensors;
  (a!.data as Float32Array)[0] = 9;
  expect([...b!.data]).toEqual([1, 2]);
  expect([...c!.data]).toEqual([1, 2]);
});

it('deep paths times many values are bounded: 100k values 150 levels down are refused, not copied', () => {
  const p = new P().proto();
  for (let i = 0; i < 150; i++) p.emptyList();
  p.mark();
  for (let i = 0; i < 100_000; i++) p.none();
  p.appends();
  for (let i = 0; i < 149; i++) p.append();
  expect(refusal(() => readTorchFile(archive(p.stop().bytes())))).toMatchObject({ code: 'limit-exceeded', message: expect.stringContaining('paths hold more than 5000000 keys') });
});
