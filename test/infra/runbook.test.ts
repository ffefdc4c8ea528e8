import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlarmName, runbookAnchor } from '../../infra/alarm-names';
import { synthesize } from './stack-factory';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

/** The text of a `## Title` section, up to the next `## ` heading. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** The runbook's entries (`#### Name` under `### Pages` or `### Tickets`): name -> severity and text. */
function runbookEntries(markdown: string): Map<string, { severity: string; text: string }> {
  const entries = new Map<string, { severity: string; text: string }>();
  let severity = '';
  let current: { severity: string; text: string } | undefined;
  for (const line of section(markdown, 'Runbook').split('\n').slice(2)) {
    const group = /^### (Pages|Tickets)$/.exec(line);
    const entry = /^#### (.+)$/.exec(line);
    if (group) {
      severity = group[1] === 'Pages' ? 'page' : 'ticket';
      current = undefined;
    } else if (/^###? /.test(line)) {
      throw new Error(`unexpected heading in the runbook: ${line}`);
    } else if (entry) {
      current = { severity, text: '' };
      entries.set(entry[1] as string, current);
    } else if (current) {
      current.text += `${line}\n`;
    }
  }
  return entries;
}

/** The rows of the alarm table in a section: name (link text or plain) -> severity. */
function tableRows(text: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of text.matchAll(/^\| \[?([A-Za-z]+)(?:\]\(([^)]+)\))? +\| (page|ticket) +\|/gm)) {
    rows.set(match[1] as string, match[3] as string);
    if (match[2] !== undefined) {
      expect({ link: match[2] }).toEqual({ link: `infra/README.md#${anchorOf(match[1] as string)}` });
    }
  }
  return rows;
}

describe('one runbook for every alarm (issue 18, point 3)', () => {
  const { template } = synthesize();
  const alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<
    string,
    { Properties: { AlarmDescription: string; AlarmActions: unknown[]; OKActions?: unknown[] } }
  >;
  const pageTopic = Object.keys(template.findResources('AWS::SNS::Topic')).find((id) =>
    /AlarmTopic[0-9A-F]{8}$/.test(id),
  );
  /** What the template deploys: each alarm's runbook anchor and severity. */
  const deployed = new Map(
    Object.values(alarms).map((alarm) => {
      const link = / Runbook: infra\/README\.md#([a-z]+)$/.exec(alarm.Properties.AlarmDescription);
      const paged = JSON.stringify(alarm.Properties.AlarmActions) === JSON.stringify([{ Ref: pageTopic }]);
      if (paged) expect(alarm.Properties.OKActions).toEqual([{ Ref: pageTopic }]);
      return [link?.[1] ?? alarm.Properties.AlarmDescription, paged ? 'page' : 'ticket'] as const;
    }),
  );
  const infraReadme = read('infra/README.md');
  const entries = runbookEntries(infraReadme);

  it('has an entry for every alarm of the template, and an alarm for every entry, with its severity', () => {
    expect(deployed.size).toBe(Object.keys(alarms).length);
    const documented = new Map([...entries].map(([name, entry]) => [anchorOf(name), entry.severity]));
    expect(documented).toEqual(deployed);
    // The entries are the shared alarm names, so a description's anchor is runbookAnchor(name).
    expect([...entries.keys()].sort()).toEqual(Object.values(AlarmName).sort());
    for (const name of Object.values(AlarmName)) expect(runbookAnchor(name)).toBe(anchorOf(name));
  });

  it('says what to do in each entry', () => {
    for (const [name, entry] of entries) {
      expect({ name, long: entry.text.trim().length > 200 }).toEqual({ name, long: true });
    }
  });

  it('lists every alarm and its severity in the tables of infra/README.md and README.md', () => {
    const bySeverity = new Map([...entries].map(([name, entry]) => [name, entry.severity]));
    expect(tableRows(section(infraReadme, 'Runbook'))).toEqual(bySeverity);
    const readme = read('README.md');
    const summary = section(readme, 'Runbook');
    expect(summary).toContain('(infra/README.md#runbook)');
    expect(tableRows(summary)).toEqual(bySeverity);
  });

  it('links only to headings that exist, and no two headings share an anchor', () => {
    const headings = [...infraReadme.matchAll(/^#+ (.+)$/gm)].map((match) => anchorOf(match[1] as string));
    expect(new Set(headings).size).toBe(headings.length);
    const links = [...infraReadme.matchAll(/\]\(#([^)]+)\)/g)].map((match) => match[1]);
    expect(links.length).toBeGreaterThan(0);
    for (const link of links) expect(headings).toContain(link);
  });
});
