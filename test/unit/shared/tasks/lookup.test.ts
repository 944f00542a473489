// The study's task lookup: given tasks first, the built-in world as the fallback, clear errors.
import { describe, expect, it } from 'vitest';
import { taskLookup } from '../../../../src/shared/tasks/lookup';
import { builtinTasks } from '../../../../src/shared/tasks/world/index';

const own = { name: 'mine', metric: 'ACC' as const, train: [{ input: 'x', outputs: ['y'] }], dev: [], test: [], seed: 100, category: 'cls/other' };

describe('taskLookup', () => {
  it('serves the built-in world by name and seed, with its category', () => {
    const world = builtinTasks(13);
    const lookup = taskLookup();
    const t = lookup(world[0]!.name, 13);
    expect(t).toEqual({ name: world[0]!.name, metric: world[0]!.metric, train: world[0]!.train, dev: world[0]!.dev, test: world[0]!.test });
    expect(lookup.category(world[0]!.name)).toBe(world[0]!.category);
    expect(() => lookup('no-such', 100)).toThrow('built-in task world has no task "no-such"');
  });

  it('knows a built-in task\'s category before any of its data is generated (a study whose units are all reused)', () => {
    const world = builtinTasks(100);
    const lookup = taskLookup();
    for (const t of [world[0]!, world.at(-1)!]) expect(lookup.category(t.name)).toBe(t.category);
    expect(lookup.category('no-such')).toBe('');
  });

  it('kScale scales the built-in tasks and refuses given ones, whose K is their files\'', () => {
    const world = builtinTasks(100, 2);
    const lookup = taskLookup({ tasks: [own], kScale: 2, origin: 'imported' });
    expect(lookup(world[0]!.name, 100).train).toEqual(world[0]!.train);
    expect(() => lookup('mine', 100)).toThrow(/task "mine" is imported data, whose K is its files'; kScale 2 scales the built-in tasks only/);
  });

  it('given tasks win at their seed; without the fallback, a missing task or seed is named', () => {
    const mixed = taskLookup({ tasks: [own], origin: 'imported' });
    expect(mixed('mine', 100).train).toEqual(own.train);
    expect(mixed.category('mine')).toBe('cls/other');
    expect(() => mixed('mine', 13)).toThrow(/task "mine" at data seed 13 is neither in the built-in task world nor among the imported tasks/);
    const only = taskLookup({ tasks: [own], builtin: false, origin: '/data/tasks' });
    expect(() => only('mine', 13)).toThrow('/data/tasks: task "mine" has no data seed 13 (has 100)');
    expect(() => only(builtinTasks(100)[0]!.name, 100)).toThrow(/\/data\/tasks: no task ".*" \(found: mine\)/);
    expect(only.category('other')).toBe('');
  });
});
