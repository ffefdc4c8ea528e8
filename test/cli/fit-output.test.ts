import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { fitTable } from '../../functions/cli/fit-table';
import { DEFAULT_COLUMNS, fitParts, terminalWidth, truncate, wrap } from '../../functions/cli/terminal-width';
import { formatMessageBody } from '../../functions/lib/message';
import { parkedBody } from '../../functions/lib/park';
import { type LocalSqs, startLocalSqs } from '../../tools/local-sqs';
import { runCli } from './run-cli';

const longest = (text: string) => Math.max(...text.split('\n').map((line) => line.length));

describe('output fitted to the terminal (#19 point 5)', () => {
  it('takes the terminal columns, else COLUMNS, else 80', () => {
    expect(terminalWidth({ isTTY: true, columns: 132 }, { COLUMNS: '60' })).toBe(132);
    expect(terminalWidth({ isTTY: false, columns: 132 }, { COLUMNS: '60' })).toBe(60);
    expect(terminalWidth({}, { COLUMNS: 'wide' })).toBe(DEFAULT_COLUMNS);
    expect(terminalWidth({}, {})).toBe(80);
  });

  it('wraps words under a label, and cuts what cannot fit', () => {
    expect(wrap('one two three four', 12, 'L: ', '   ')).toEqual(['L: one two', '   three', '   four']);
    expect(wrap('abcdefghijklmnop', 8)).toEqual(['abcdefg…']);
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });

  it('drops the least useful parts of a status line first, keeping their order', () => {
    const parts = [
      { text: 'AAAA', keep: 9 },
      { text: 'BBBB', keep: 1 },
      { text: 'CCCC', keep: 5 },
    ];
    expect(fitParts(parts, 20)).toBe('AAAA  BBBB  CCCC');
    expect(fitParts(parts, 12)).toBe('AAAA  CCCC');
    expect(fitParts(parts, 5)).toBe('AAAA');
    expect(fitParts(parts, 3)).toBe('AA…');
  });

  it('moves the detail column under its row, then cuts columns in order', () => {
    const head = ['id', 'kind', 'detail'];
    const rows = [['0123456789abcdef', 'parked', 'a long explanation of what is wrong']];
    expect(fitTable(head, rows, 80, { detail: 2 })).toEqual([
      'id                kind    detail',
      '0123456789abcdef  parked  a long explanation of what is wrong',
    ]);
    expect(fitTable(head, rows, 20, { detail: 2, shrink: [{ column: 0, min: 4 }] })).toEqual([
      'id            kind',
      '0123456789a…  parked',
      '    detail: a long',
      '      explanation of',
      '      what is wrong',
    ]);
  });

  describe('dlq list', () => {
    let sqs: LocalSqs;
    let dlqUrl: string;
    beforeAll(async () => {
      sqs = await startLocalSqs();
      ({ queueUrl: dlqUrl } = await sqs.createQueue('fit-dlq'));
      await sqs.client.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: formatMessageBody({ tokens: ['deadToken01'] }),
        }),
      );
      await sqs.client.send(
        new SendMessageCommand({
          QueueUrl: dlqUrl,
          MessageBody: parkedBody({
            reason: 'invalid_token',
            detail: 'tokens[0]: character 4 is not one of A-Z a-z 0-9 * ( ) _ -',
            sourceMessageId: 'm-1',
            tokens: ['a;b', 'c/d', 'e%f', 'g?h', 'i#j'],
          }),
          MessageAttributes: { reason: { DataType: 'String', StringValue: 'invalid_token' } },
        }),
      );
    }, 30_000);
    afterAll(() => sqs?.stop());

    const list = (env: Record<string, string>, json = false) =>
      runCli(['dlq', 'list', '--wait-seconds', '0', ...(json ? ['--json'] : [])], {
        env: {
          AWS_ENDPOINT_URL_SQS: sqs.endpoint,
          AWS_REGION: 'us-east-1',
          DEAD_LETTER_QUEUE_URL: dlqUrl,
          ...env,
        },
      });

    it('fits 80 columns when the width is unknown, and any COLUMNS; --json keeps the full record', async () => {
      // Act
      const unknown = await list({});
      const narrow = await list({ COLUMNS: '60' });
      const wide = await list({ COLUMNS: '400' });
      const json = await list({}, true);
      // Assess
      for (const run of [unknown, narrow, wide, json]) expect(run.code).toBe(0);
      expect(longest(unknown.stdout)).toBeLessThanOrEqual(80);
      expect(longest(narrow.stdout)).toBeLessThanOrEqual(60);
      expect(unknown.stdout).toContain('    content: looks parked, but no parking key was given');
      // Wide enough: one row per message, content in its column.
      expect(wide.stdout.split('\n')[0]).toMatch(
        /^message id +kind +lane +reason +tokens +age +receives +content$/,
      );
      expect(wide.stdout).not.toContain('content:');
      const { messages } = JSON.parse(json.stdout) as { messages: { messageId: string; detail: string }[] };
      expect(messages).toHaveLength(2);
      for (const message of messages) {
        expect(message.messageId).toMatch(/^[0-9a-f-]{36}$/);
        expect(wide.stdout).toContain(message.messageId);
        expect(unknown.stdout).not.toContain(message.messageId);
      }
    }, 30_000);
  });
});
