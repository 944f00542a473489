// The Model screen's primary button says what it loads, and a big download is named with its size
// and asked for, unless its weights are cached already.
import { describe, expect, it } from 'vitest';
import { bigDownload, loadActionText, type LoadChoice } from '../../../../../src/ui/screens/model/loadAction';

const choice = (over: Partial<LoadChoice>): LoadChoice => ({ kind: 'hub', embeddedName: 'tiny', hubId: 'facebook/bart-base', hubBase: 'https://huggingface.co', pickedCount: 0, ...over });
const cached = (source: string, file = 'model.safetensors') => ({ entries: [{ key: `${source}${file}`, source, file, size: 1, storedAt: 0 }], totalSize: 1 });

describe('loadActionText', () => {
  it('names the model, where it comes from, and the known size of a download', () => {
    expect(loadActionText(choice({ kind: 'embedded' }), null)).toBe('Load model: the built-in tiny');
    expect(loadActionText(choice({}), null)).toBe('Load model: facebook/bart-base from the Hub (about 560 MB)');
    expect(loadActionText(choice({ hubBase: 'https://huggingface.co/' }), null)).toBe('Load model: facebook/bart-base from the Hub (about 560 MB)');
    expect(loadActionText(choice({ hubId: ' tiny/bart ', hubBase: 'http://127.0.0.1:8080/hub/' }), null)).toBe('Load model: tiny/bart from http://127.0.0.1:8080/hub');
    expect(loadActionText(choice({ hubId: '' }), null)).toBe('Load model: type a model id first');
    expect(loadActionText(choice({ kind: 'files', pickedCount: 3 }), null)).toBe('Load model: the 3 picked files');
    expect(loadActionText(choice({ kind: 'files' }), null)).toBe('Load model: pick its files first');
  });
  it('says a known model comes from the cache when its weights are there', () => {
    const cache = cached('https://huggingface.co/facebook/bart-base/resolve/main/');
    expect(loadActionText(choice({}), cache)).toBe('Load model: facebook/bart-base from the Hub (from this browser’s cache)');
    // Another file of the model does not make the weights cached.
    expect(loadActionText(choice({}), cached('https://huggingface.co/facebook/bart-base/resolve/main/', 'config.json'))).toContain('(about 560 MB)');
  });
});

describe('bigDownload', () => {
  it('is the size of a known big download whose weights are not cached, else null', () => {
    expect(bigDownload(choice({}), null)).toBe('about 560 MB');
    expect(bigDownload(choice({}), cached('https://huggingface.co/facebook/bart-base/resolve/main/'))).toBeNull();
    // The same id from a mirror is the same size, and that mirror's cache counts, not the Hub's.
    expect(bigDownload(choice({ hubBase: 'https://mirror.example/' }), cached('https://huggingface.co/facebook/bart-base/resolve/main/'))).toBe('about 560 MB');
    expect(bigDownload(choice({ hubId: 'tiny/bart' }), null)).toBeNull();
    expect(bigDownload(choice({ kind: 'embedded' }), null)).toBeNull();
  });
});
