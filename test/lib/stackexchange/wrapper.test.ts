import { ErrorCategory } from '../../../functions/lib/errors';
import { apiErrorFrom, parseBody, secondsFromMessage } from '../../../functions/lib/stackexchange/wrapper';

describe('parseBody', () => {
  it('reads a success wrapper, skipping items that are not access tokens', () => {
    const parsed = parseBody(
      JSON.stringify({
        items: [
          { access_token: 'a', account_id: 7, expires_on_date: 9, scope: ['read_inbox', 3] },
          { nope: 1 },
        ],
        quota_max: 10_000,
        quota_remaining: 9_000,
        backoff: 2,
      }),
    );
    expect(parsed).toEqual({
      kind: 'success',
      wrapper: {
        items: [{ accessToken: 'a', accountId: 7, expiresOnDate: 9, scope: ['read_inbox'] }],
        quotaMax: 10_000,
        quotaRemaining: 9_000,
        backoffSeconds: 2,
      },
    });
  });

  it.each(['<html>503</html>', '[]', 'null', '{"quota_max":1}', ''])('calls %j not a wrapper', (text) => {
    expect(parseBody(text)).toEqual({ kind: 'not_a_wrapper' });
  });

  it('reads an error wrapper whatever the status', () => {
    expect(
      parseBody('{"error_id":502,"error_name":"throttle_violation","error_message":"x","items":[]}'),
    ).toMatchObject({
      kind: 'error',
      errorId: 502,
      errorName: 'throttle_violation',
    });
  });
});

describe('apiErrorFrom', () => {
  const error = (errorId: number, errorName: string, message = '') => {
    const parsed = parseBody(
      JSON.stringify({ error_id: errorId, error_name: errorName, error_message: message }),
    );
    if (parsed.kind !== 'error') throw new Error('not an error wrapper');
    return apiErrorFrom(parsed, 'invalidate', 400, ['secretTokenAAAA))']);
  };

  it.each([
    [400, 'bad_parameter', ErrorCategory.BadInput, { scope: 'one', fate: 'rejected' }],
    [402, 'invalid_access_token', ErrorCategory.BadInput, { scope: 'one', fate: 'dead' }],
    [406, 'access_token_compromised', ErrorCategory.Configuration, { scope: 'all', fate: 'dead' }],
    [403, 'access_denied', ErrorCategory.Configuration, undefined],
    [502, 'throttle_violation', ErrorCategory.Throttled, undefined],
    [500, 'internal_error', ErrorCategory.Transient, undefined],
    [999, 'something_new', ErrorCategory.Transient, undefined],
  ])('classifies error_id %i (%s)', (id, name, category, tokenVerdict) => {
    expect(error(id, name)).toMatchObject({ category, tokenVerdict, errorId: id, errorName: name });
  });

  it('replaces the call tokens in the message and reads the wait it names', () => {
    const throttle = error(
      502,
      'throttle_violation',
      'secretTokenAAAA)) too many requests, more requests available in 7 seconds',
    );
    expect(throttle.message).not.toContain('secretTokenAAAA');
    expect(throttle.retryAfterSeconds).toBe(7);
    expect(secondsFromMessage('available in 1 second')).toBe(1);
    expect(secondsFromMessage('nothing')).toBeUndefined();
  });
});
