import { formatMessageBody, ParkReason, parseMessageBody } from '../../functions/lib/message';

describe('parseMessageBody', () => {
  it('reads a single token with the default action', () => {
    const parsed = parseMessageBody('{"token":"abc"}');
    expect(parsed).toMatchObject({
      ok: true,
      action: 'invalidate',
      tokens: ['abc'],
      rejected: [],
      envelopes: [],
    });
  });

  it('reads a token list with metadata and removes duplicates', () => {
    const parsed = parseMessageBody(
      JSON.stringify({
        tokens: ['a', 'b', 'a'],
        action: 'deauthenticate',
        reason: 'leak',
        source: 'svc',
        requestedAt: '2026-11-24T00:00:00Z',
      }),
    );
    expect(parsed).toMatchObject({
      ok: true,
      action: 'deauthenticate',
      tokens: ['a', 'b'],
      reason: 'leak',
      source: 'svc',
      requestedAt: '2026-11-24T00:00:00Z',
    });
  });

  it('keeps the valid tokens and says precisely which others are wrong', () => {
    const parsed = parseMessageBody(JSON.stringify({ tokens: ['good', 'a;b', 7, '', 'x'.repeat(300)] }));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.tokens).toEqual(['good']);
    expect(parsed.rejected.map((r) => [r.index, r.problem])).toEqual([
      [1, 'bad_character'],
      [2, 'not_a_string'],
      [3, 'empty'],
      [4, 'too_long'],
    ]);
    expect(parsed.rejected[0]?.detail).toBe('tokens[1]: character 2 is not one of A-Z a-z 0-9 * ( ) _ -');
    expect(JSON.stringify(parsed.rejected.map((r) => r.detail))).not.toContain('a;b');
  });

  it('names the single token field in its problem', () => {
    const parsed = parseMessageBody('{"token":"a/b"}');
    expect(parsed.ok && parsed.rejected[0]?.detail).toMatch(/^token: /);
  });

  it.each([
    ['not json', ParkReason.BodyNotJson],
    ['', ParkReason.BodyNotJson],
    ['[1,2]', ParkReason.InvalidMessage],
    ['"abc"', ParkReason.InvalidMessage],
    ['{}', ParkReason.NoTokens],
    ['{"tokens":[]}', ParkReason.NoTokens],
    ['{"tokens":"abc"}', ParkReason.InvalidMessage],
    ['{"token":"abc","action":"delete"}', ParkReason.UnknownAction],
  ])('rejects %j as %s', (body, reason) => {
    const parsed = parseMessageBody(body);
    expect(parsed).toMatchObject({ ok: false, reason });
    if (!parsed.ok) expect(parsed.detail.length).toBeGreaterThan(5);
  });

  it('does not quote the body in the JSON error', () => {
    const parsed = parseMessageBody('{"tokens":["secretTOKEN1"');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.detail).not.toContain('secretTOKEN1');
  });

  it('unwraps an SNS notification', () => {
    const body = JSON.stringify({
      Type: 'Notification',
      MessageId: 'm',
      Message: JSON.stringify({ token: 'abc' }),
    });
    expect(parseMessageBody(body)).toMatchObject({ ok: true, tokens: ['abc'], envelopes: ['sns'] });
  });

  it('rejects an SNS notification whose Message is not JSON', () => {
    const body = JSON.stringify({ Type: 'Notification', Message: 'nope' });
    expect(parseMessageBody(body)).toMatchObject({ ok: false, reason: ParkReason.BodyNotJson });
  });

  it('unwraps an EventBridge event', () => {
    const body = JSON.stringify({
      version: '0',
      'detail-type': 'TokenRevocationRequested',
      source: 'my.app',
      detail: { tokens: ['abc', 'def'], reason: 'logout' },
    });
    expect(parseMessageBody(body)).toMatchObject({
      ok: true,
      tokens: ['abc', 'def'],
      reason: 'logout',
      envelopes: ['eventbridge'],
    });
  });

  it('ignores a malformed optional field with a warning instead of blocking the tokens', () => {
    const parsed = parseMessageBody('{"token":"abc","reason":42}');
    expect(parsed).toMatchObject({ ok: true, tokens: ['abc'], reason: undefined });
    expect(parsed.ok && parsed.warnings).toEqual([
      'reason: expected a string of at most 1024 characters, got a number; ignored',
    ]);
  });
});

describe('formatMessageBody', () => {
  it('round-trips through parseMessageBody', () => {
    const body = formatMessageBody({
      tokens: ['a', 'b'],
      action: 'deauthenticate',
      reason: 'leak',
      source: 'cli',
    });
    expect(parseMessageBody(body)).toMatchObject({
      ok: true,
      tokens: ['a', 'b'],
      action: 'deauthenticate',
      reason: 'leak',
    });
  });

  it('leaves the default action out', () => {
    expect(JSON.parse(formatMessageBody({ tokens: ['a'], action: 'invalidate' }))).toEqual({ tokens: ['a'] });
  });
});
