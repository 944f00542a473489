// The Results screen's "all scores" CSV: one line per score row, empty cells for missing values,
// task names quoted only where CSV needs it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StudyResultsJson } from '../../../../../src/protocol/messages';
import { scoresCsv } from '../../../../../src/ui/screens/results/scoresCsv';

const FIXTURE = new URL('../../../../fixtures/results/small-study.results.json', import.meta.url);

describe('scoresCsv', () => {
  it('writes the header and one line per row, missing values as empty cells', () => {
    const results = {
      rows: [
        { seed: 1, dI: null, setting: 'pt', task: 'glue-sst2', metric: 'ACC', score: 0.75, pt: null },
        { seed: 1, dI: 5, setting: 'test_ist', task: 'odd, "name"', metric: 'ACC', score: null, pt: 0.5 },
      ],
    } as unknown as StudyResultsJson;
    expect(scoresCsv(results)).toBe(
      'seed,d_I,setting,task,metric,score,pt_score\n1,,pt,glue-sst2,ACC,0.75,\n1,5,test_ist,"odd, ""name""",ACC,,0.5\n',
    );
  });

  it('has a line per row of a real results.json, and only the header without rows', () => {
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as StudyResultsJson;
    expect(scoresCsv(fixture).trim().split('\n')).toHaveLength((fixture.rows?.length ?? 0) + 1);
    expect(scoresCsv({ ...fixture, rows: undefined })).toBe('seed,d_I,setting,task,metric,score,pt_score\n');
  });
});
