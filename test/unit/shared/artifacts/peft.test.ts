import { describe, expect, it } from 'vitest';
import { ArtifactError } from '../../../../src/shared/artifacts/errors';
import { exportPeftPromptTuning, importPeftPromptTuning, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from '../../../../src/shared/artifacts/peft';
import { parseHeader, writeSafetensors } from '../../../../src/shared/weights/safetensors';
import { bitsEqual, cases } from './support';

const P = 5;
const d = 32;
const prompt = () => cases.tensors.get('prompt')!.data as Float32Array;
const exportOpts = { promptLength: P, dModel: d, baseModel: 'facebook/bart-base', numLayers: 6, numAttentionHeads: 12 };

describe('PEFT prompt-tuning export', () => {
  it('writes the PromptTuningConfig fields and a [P, d] prompt_embeddings tensor', () => {
    const files = exportPeftPromptTuning({ prompt: prompt(), ...exportOpts });
    const config = JSON.parse(files[PEFT_CONFIG_FILE]) as Record<string, unknown>;
    expect(config).toMatchObject({
      peft_type: 'PROMPT_TUNING', task_type: 'SEQ_2_SEQ_LM', num_virtual_tokens: P, token_dim: d,
      num_transformer_submodules: 1, num_attention_heads: 12, num_layers: 6, prompt_tuning_init: 'RANDOM',
      base_model_name_or_path: 'facebook/bart-base', inference_mode: true,
    });
    // PEFT writes sorted keys.
    expect(Object.keys(config)).toEqual(Object.keys(config).sort());
    const bytes = files[PEFT_WEIGHTS_FILE];
    const h = parseHeader(bytes, bytes.byteLength);
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.entries.map((e) => [e.name, e.dtype, e.shape])).toEqual([['prompt_embeddings', 'F32', [P, d]]]);
  });

  it('round-trips bitwise through import', () => {
    const files = exportPeftPromptTuning({ prompt: prompt(), ...exportOpts });
    const got = importPeftPromptTuning(files[PEFT_CONFIG_FILE], files[PEFT_WEIGHTS_FILE], { expectDModel: d });
    expect(bitsEqual(got.prompt, prompt())).toBe(true);
    expect(got).toMatchObject({ promptLength: P, dModel: d, baseModel: 'facebook/bart-base', notes: [] });
  });
});

describe('PEFT prompt-tuning import', () => {
  const config2 = { peft_type: 'PROMPT_TUNING', task_type: 'SEQ_2_SEQ_LM', num_virtual_tokens: P, token_dim: d, num_transformer_submodules: 2 };
  /** A PEFT-default seq2seq adapter: encoder rows, then decoder rows. */
  function twoSubmoduleWeights(): { table: Float32Array; bytes: Uint8Array } {
    const table = new Float32Array(2 * P * d);
    table.set(prompt(), 0);
    table.fill(9, P * d);
    return { table, bytes: writeSafetensors({ prompt_embeddings: { shape: [2 * P, d], data: table } }, { format: 'pt' }) };
  }

  it('takes the encoder rows of a 2-submodule adapter and says so', () => {
    const got = importPeftPromptTuning(config2, twoSubmoduleWeights().bytes);
    expect(bitsEqual(got.prompt, prompt())).toBe(true);
    expect(got.notes.join(' ')).toMatch(/kept the 5 encoder rows .* dropped the 5 decoder rows/);
  });

  it('assumes 2 submodules for SEQ_2_SEQ_LM when the field is missing, as PEFT does', () => {
    const { num_transformer_submodules: _n, ...noField } = config2;
    const got = importPeftPromptTuning(JSON.stringify(noField), twoSubmoduleWeights().bytes);
    expect(bitsEqual(got.prompt, prompt())).toBe(true);
    expect(got.notes[0]).toMatch(/assumed 2/);
  });

  it('rejects other adapter types, bad fields, wrong shapes and widths with specific errors', () => {
    const { bytes } = twoSubmoduleWeights();
    const code = (cfg: unknown, w: Uint8Array = bytes, opts = {}) => {
      try {
        importPeftPromptTuning(cfg, w, opts);
      } catch (e) {
        if (e instanceof ArtifactError) return e.code;
        throw e;
      }
      return 'ok';
    };
    expect(code({ ...config2, peft_type: 'LORA' })).toBe('bad-peft-adapter');
    expect(code({ ...config2, task_type: 'CAUSAL_LM' })).toBe('bad-peft-adapter');
    expect(code({ ...config2, num_virtual_tokens: 0 })).toBe('bad-peft-adapter');
    expect(code('{not json')).toBe('bad-peft-adapter');
    expect(code({ ...config2, num_transformer_submodules: 1 })).toBe('shape-mismatch');
    expect(code(config2, bytes, { expectDModel: 768 })).toBe('shape-mismatch');
    expect(code(config2, writeSafetensors({ other: { shape: [1], data: [0] } }))).toBe('bad-peft-adapter');
    expect(code(config2, bytes.subarray(0, 40))).toBe('truncated');
  });
});
