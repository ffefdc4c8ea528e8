import { gunzipSync, inflateSync } from 'node:zlib';
import { get, rawRequest, useSimulator } from './support';

const identity = (bytes: Buffer) => bytes;

describe('simulator: compression and app keys', () => {
  const context = useSimulator();

  it.each([
    ['gzip', 'gzip, deflate', 'gzip', gunzipSync],
    ['deflate', 'gzip, deflate', 'deflate', inflateSync],
    ['none', 'gzip, deflate', undefined, identity],
    ['gzip', 'identity', 'gzip', gunzipSync], // a fixed mode compresses whatever the client says
    ['auto', 'gzip, deflate, br', 'gzip', gunzipSync],
    ['auto', 'deflate', 'deflate', inflateSync],
    ['auto', 'gzip;q=0, deflate;q=0.5', 'deflate', inflateSync],
    ['auto', '*', 'gzip', gunzipSync],
    ['auto', 'identity', undefined, identity],
    ['auto', undefined, undefined, identity],
  ] as const)(
    'compression %s with Accept-Encoding %s sends %s',
    async (compression, accept, encoding, decode) => {
      // Prepare
      const sim = await context.restart({ compression });

      // Act
      const raw = await rawRequest(sim, '/2.3/access-tokens/abc/invalidate', {
        headers: accept === undefined ? {} : { 'accept-encoding': accept },
      });

      // Assess
      expect(raw.headers['content-encoding']).toBe(encoding);
      expect(Number(raw.headers['content-length'])).toBe(raw.bytes.length);
      expect(raw.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(decode(raw.bytes).toString('utf8'))).toMatchObject({
        items: [],
        type: 'access_token',
      });
    },
  );

  it('compresses error bodies too', async () => {
    // Prepare
    const sim = await context.restart({ compression: 'gzip' });
    sim.injectFault('internal_error');

    // Act
    const raw = await rawRequest(sim, '/2.3/access-tokens/abc/invalidate');

    // Assess
    expect(raw.status).toBe(400);
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(raw.bytes).toString('utf8'))).toMatchObject({ error_id: 500 });
  });

  it('needs the key when configured: missing key_required, wrong access_denied, right accepted', async () => {
    // Prepare
    const sim = await context.restart({ requiredKey: 'k1' });
    const [token] = sim.issueTokens(1) as [string];

    // Act
    const missing = await get(sim, `access-tokens/${token}/invalidate`);
    const wrong = await get(sim, `access-tokens/${token}/invalidate?key=nope`);
    const right = await get(sim, `access-tokens/${token}/invalidate?key=k1&filter=default`);

    // Assess
    expect(missing.body).toMatchObject({ error_id: 405, error_name: 'key_required' });
    expect(wrong.body).toMatchObject({ error_id: 403, error_name: 'access_denied' });
    expect(right.body?.items).toHaveLength(1);
    expect(sim.requests.map((r) => r.key)).toEqual([undefined, 'nope', 'k1']);
  });

  it.each([
    ['either', 'query', 200],
    ['either', 'header', 200],
    ['query', 'query', 200],
    ['query', 'header', 'key_required'],
    ['header', 'header', 200],
    ['header', 'query', 'key_required'],
  ] as const)('with authStyle %s, a key in the %s gets %s', async (authStyle, where, outcome) => {
    // Prepare
    const sim = await context.restart({ requiredKey: 'k1', authStyle });

    // Act
    const answer =
      where === 'query'
        ? await get(sim, 'access-tokens/abc/invalidate?key=k1')
        : await get(sim, 'access-tokens/abc/invalidate', { headers: { authorization: 'Bearer k1' } });

    // Assess
    if (outcome === 200) expect(answer.status).toBe(200);
    else expect(answer.body?.error_name).toBe(outcome);
    expect(sim.requests[0]?.key).toBe('k1');
  });

  it('accepts any key, and none, when no key is configured', async () => {
    // Prepare
    const { sim } = context;

    // Act
    const withKey = await get(sim, 'access-tokens/abc/invalidate?key=whatever');
    const without = await get(sim, 'access-tokens/abc/invalidate');

    // Assess
    expect([withKey.status, without.status]).toEqual([200, 200]);
  });
});
