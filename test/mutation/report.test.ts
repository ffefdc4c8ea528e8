import {
  type FileScore,
  fileScores,
  type MutantStatus,
  mergeScores,
  mutationMarkdown,
  type StrykerReport,
} from '../../tools/mutation/report';

const AT = '2026-12-03T09:00:00.000Z';
const SOURCE = ['export function f(a: number) {', '  if (a > 1) return `x`;', '  return a;', '}'].join('\n');

/** A mutant on line 2 of SOURCE, from column `from` to column `to` (end exclusive). */
const mutant = (status: MutantStatus, from: number, to: number, extra: { statusReason?: string } = {}) => ({
  mutatorName: 'EqualityOperator',
  replacement: 'a >= 1',
  status,
  location: { start: { line: 2, column: from }, end: { line: 2, column: to } },
  ...extra,
});

function report(files: Record<string, ReturnType<typeof mutant>[]>): StrykerReport {
  return {
    files: Object.fromEntries(
      Object.entries(files).map(([file, mutants]) => [file, { source: SOURCE, mutants }]),
    ),
  };
}

const score = (file: string, overrides: Partial<FileScore> = {}): FileScore => ({
  file,
  measuredAt: AT,
  killed: 9,
  timeout: 0,
  survived: 1,
  noCoverage: 0,
  ignored: 0,
  errors: 0,
  score: 90,
  survivors: [],
  notCovered: [],
  equivalent: [],
  ...overrides,
});

describe('fileScores', () => {
  it('scores detected (killed or timed out) of valid mutants, leaving out ignored and invalid ones', () => {
    // Prepare: 2 killed, 1 timeout, 1 survived, 1 not covered; 1 ignored, 2 not valid.
    const statuses: MutantStatus[] = [
      'Killed',
      'Killed',
      'Timeout',
      'Survived',
      'NoCoverage',
      'Ignored',
      'CompileError',
      'RuntimeError',
    ];
    // Act
    const [scored] = fileScores(report({ 'f.ts': statuses.map((s) => mutant(s, 7, 12)) }), AT);
    // Assess
    expect(scored).toMatchObject({
      file: 'f.ts',
      measuredAt: AT,
      killed: 2,
      timeout: 1,
      survived: 1,
      noCoverage: 1,
      ignored: 1,
      errors: 2,
      score: 60,
    });
  });

  it('names each survivor, uncovered and ignored mutant by line, column, code and replacement', () => {
    const [scored] = fileScores(
      report({
        'f.ts': [
          mutant('Survived', 21, 24),
          mutant('Survived', 7, 12),
          mutant('NoCoverage', 7, 12),
          mutant('Ignored', 7, 12, { statusReason: 'same as the\n  original' }),
        ],
      }),
      AT,
    );
    const site = { line: 2, mutator: 'EqualityOperator', replacement: 'a >= 1' };
    expect(scored?.survivors).toEqual([
      { ...site, column: 7, original: 'a > 1' },
      { ...site, column: 21, original: '`x`' },
    ]);
    expect(scored?.notCovered).toEqual([{ ...site, column: 7, original: 'a > 1' }]);
    expect(scored?.equivalent).toEqual([
      { ...site, column: 7, original: 'a > 1', reason: 'same as the\n  original' },
    ]);
  });

  it('gives no score to a file without valid mutants, and sorts files by path', () => {
    const scores = fileScores(report({ 'b.ts': [mutant('CompileError', 7, 12)], 'a.ts': [] }), AT);
    expect(scores.map((s) => [s.file, s.score])).toEqual([
      ['a.ts', undefined],
      ['b.ts', undefined],
    ]);
  });
});

describe('mergeScores', () => {
  it('replaces the rows of the files a partial run measured and keeps the others', () => {
    const earlier = [score('a.ts', { score: 50 }), score('b.ts', { score: 60 })];
    const merged = mergeScores(earlier, [score('b.ts', { score: 95 })], false);
    expect(merged.map((s) => [s.file, s.score])).toEqual([
      ['a.ts', 50],
      ['b.ts', 95],
    ]);
  });

  it('replaces every row after a run over the whole scope', () => {
    const merged = mergeScores([score('a.ts'), score('c.ts')], [score('b.ts')], true);
    expect(merged.map((s) => s.file)).toEqual(['b.ts']);
  });
});

describe('mutationMarkdown', () => {
  it('writes a row per file and a total, bolds files below the target, and lists survivors and equivalents', () => {
    // Prepare
    const scores = [
      score('a.ts', {
        killed: 8,
        survived: 2,
        score: 80,
        survivors: [{ line: 3, column: 5, mutator: 'StringLiteral', original: '`x`', replacement: '``' }],
      }),
      score('b.ts', {
        killed: 10,
        survived: 0,
        ignored: 1,
        score: 100,
        equivalent: [
          {
            line: 7,
            column: 1,
            mutator: 'MethodExpression',
            original: 'Math.max(a, 0)',
            replacement: 'a',
            reason: 'a\n is never negative',
          },
        ],
      }),
    ];
    // Act
    const markdown = mutationMarkdown(scores, { 'a.ts': 'Rewritten soon.' }, 90);
    // Assess
    expect(markdown).toContain('| **a.ts** | 80.0% | 8 | 0 | 2 | 0 | 0 | 0 | 2026-12-03 |');
    expect(markdown).toContain('| b.ts | 100.0% | 10 | 0 | 0 | 0 | 1 | 0 | 2026-12-03 |');
    expect(markdown).toContain('| **all files** | 90.0% | 18 | 0 | 2 | 0 | 1 | 0 |  |');
    expect(markdown).toContain(
      '### a.ts (80.0%)\n\nRewritten soon.\n\nSurviving:\n\n- line 3:5 StringLiteral: `` `x` `` -> `` `` ``',
    );
    expect(markdown).toContain(
      'Marked equivalent:\n\n- line 7:1 MethodExpression: `Math.max(a, 0)` -> `a`. a is never negative',
    );
  });
});
