/**
 * Reads StrykerJS's JSON report (mutation-testing-report-schema) into per-file scores, and writes the
 * mutation section of TESTING.md from them.
 */

/** The statuses of the mutation-testing-report-schema. */
export type MutantStatus =
  | 'Killed'
  | 'Survived'
  | 'NoCoverage'
  | 'CompileError'
  | 'RuntimeError'
  | 'Timeout'
  | 'Ignored'
  | 'Pending';

interface Position {
  readonly line: number;
  readonly column: number;
}

/** The part of Stryker's JSON report this script reads. */
export interface StrykerReport {
  readonly files: Readonly<
    Record<
      string,
      {
        readonly source: string;
        readonly mutants: readonly {
          readonly mutatorName: string;
          readonly replacement?: string;
          readonly status: MutantStatus;
          readonly statusReason?: string;
          readonly location: { readonly start: Position; readonly end: Position };
        }[];
      }
    >
  >;
}

/** A mutant named by where it is and what it does. */
export interface MutantSite {
  readonly line: number;
  readonly column: number;
  readonly mutator: string;
  /** The code the mutant replaces, on one line, shortened. */
  readonly original: string;
  readonly replacement: string;
}

/** One mutated file's result. */
export interface FileScore {
  readonly file: string;
  /** ISO date of the run that measured this file. */
  readonly measuredAt: string;
  readonly killed: number;
  readonly timeout: number;
  readonly survived: number;
  readonly noCoverage: number;
  /** Mutants marked equivalent (`// Stryker disable ...: reason`). */
  readonly ignored: number;
  /** Mutants the TypeScript checker refused, and ones that crashed the run: not counted. */
  readonly errors: number;
  /** Detected (killed or timed out) of the valid mutants, in percent; undefined when there are none. */
  readonly score: number | undefined;
  readonly survivors: readonly MutantSite[];
  readonly notCovered: readonly MutantSite[];
  readonly equivalent: readonly (MutantSite & { readonly reason: string })[];
}

/** Mutants by status, and the score they give. */
type Scored = Pick<
  FileScore,
  'killed' | 'timeout' | 'survived' | 'noCoverage' | 'ignored' | 'errors' | 'score'
>;

/** Stryker's mutation score: detected (killed or timed out) of the valid mutants, in percent. */
function scored(counts: Omit<Scored, 'score'>): Scored {
  const { killed, timeout, survived, noCoverage } = counts;
  const valid = killed + timeout + survived + noCoverage;
  return { ...counts, score: valid === 0 ? undefined : (100 * (killed + timeout)) / valid };
}

/** The longest code excerpt kept per mutant. */
const EXCERPT_LENGTH = 60;

const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH - 3)}...` : flat;
};

/** The source text between two positions (lines and columns from 1, end exclusive). */
function excerpt(source: string, start: Position, end: Position): string {
  const lines = source.split('\n').slice(start.line - 1, end.line);
  if (lines.length === 0) return '';
  const last = lines.length - 1;
  lines[last] = (lines[last] ?? '').slice(0, end.column - 1);
  lines[0] = (lines[0] ?? '').slice(start.column - 1);
  return lines.join('\n');
}

/** Scores of each file of a Stryker report, sorted by path. */
export function fileScores(report: StrykerReport, measuredAt: string): FileScore[] {
  return Object.entries(report.files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, { source, mutants }]) => {
      const count = (status: MutantStatus) => mutants.filter((m) => m.status === status).length;
      const sites = (status: MutantStatus) =>
        mutants
          .filter((m) => m.status === status)
          .map((m) => ({
            line: m.location.start.line,
            column: m.location.start.column,
            mutator: m.mutatorName,
            original: oneLine(excerpt(source, m.location.start, m.location.end)),
            replacement: oneLine(m.replacement ?? ''),
            reason: m.statusReason ?? '',
          }))
          .sort((a, b) => a.line - b.line || a.column - b.column);
      return {
        file,
        measuredAt,
        ...scored({
          killed: count('Killed'),
          timeout: count('Timeout'),
          survived: count('Survived'),
          noCoverage: count('NoCoverage'),
          ignored: count('Ignored'),
          errors: count('CompileError') + count('RuntimeError'),
        }),
        survivors: sites('Survived').map(({ reason: _, ...site }) => site),
        notCovered: sites('NoCoverage').map(({ reason: _, ...site }) => site),
        equivalent: sites('Ignored'),
      };
    });
}

/**
 * The files of a new run replace their earlier results; a run over the whole scope (`complete`)
 * replaces all of them, so a file that left the scope leaves the table.
 */
export function mergeScores(
  earlier: readonly FileScore[],
  run: readonly FileScore[],
  complete: boolean,
): FileScore[] {
  const measured = new Set(run.map((score) => score.file));
  const kept = complete ? [] : earlier.filter((score) => !measured.has(score.file));
  return [...kept, ...run].sort((a, b) => a.file.localeCompare(b.file));
}

const percent = (score: number | undefined) => (score === undefined ? 'n/a' : `${score.toFixed(1)}%`);
/** Inline code; text holding a backtick (a template literal) gets a double-backtick span. */
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
const site = (m: MutantSite) =>
  `line ${m.line}:${m.column} ${m.mutator}: ${code(m.original)} -> ${code(m.replacement)}`;

/** Totals over files, scored like one file. */
function total(scores: readonly FileScore[]): Scored {
  const sum = (key: keyof Omit<Scored, 'score'>) => scores.reduce((all, score) => all + score[key], 0);
  return scored({
    killed: sum('killed'),
    timeout: sum('timeout'),
    survived: sum('survived'),
    noCoverage: sum('noCoverage'),
    ignored: sum('ignored'),
    errors: sum('errors'),
  });
}

/** The mutation section of TESTING.md: the score table, then each file's survivors and equivalents. */
export function mutationMarkdown(
  scores: readonly FileScore[],
  notes: Readonly<Record<string, string>>,
  target: number,
): string {
  const row = (name: string, s: Scored, measuredAt: string) =>
    `| ${name} | ${percent(s.score)} | ${s.killed} | ${s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.ignored} | ${s.errors} | ${measuredAt} |`;
  const rows = scores.map((s) =>
    row(s.score !== undefined && s.score < target ? `**${s.file}**` : s.file, s, s.measuredAt.slice(0, 10)),
  );
  const details = scores
    .filter((s) => s.survivors.length + s.notCovered.length + s.equivalent.length > 0 || notes[s.file])
    .map((s) => {
      const lines = [`### ${s.file} (${percent(s.score)})`, ''];
      const note = notes[s.file];
      if (note !== undefined) lines.push(note, '');
      const list = (title: string, items: readonly string[]) => {
        if (items.length === 0) return;
        lines.push(`${title}:`, '', ...items.map((item) => `- ${item}`), '');
      };
      list('Surviving', s.survivors.map(site));
      list('Not covered by a unit test in scope', s.notCovered.map(site));
      list(
        'Marked equivalent',
        s.equivalent.map((m) => `${site(m)}. ${m.reason.replace(/\s+/g, ' ').trim()}`),
      );
      return lines.join('\n');
    });
  return [
    '| file | score | killed | timed out | survived | no coverage | equivalent | not valid | measured |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    row('**all files**', total(scores), ''),
    '',
    ...details,
  ].join('\n');
}
