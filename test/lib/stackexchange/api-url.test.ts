import { ConfigurationError } from '../../../functions/lib/errors';
import { checkApiUrl, DEFAULT_API_URL, isLoopbackHost } from '../../../functions/lib/stackexchange/api-url';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['10.0.0.1', '128.0.0.1', 'localhost.evil.com', 'sqs.localhost.example', '127.0.0.1.nip.io', ''])(
    'refuses %j',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('checkApiUrl', () => {
  it('accepts the default and trims trailing slashes', () => {
    expect(checkApiUrl(DEFAULT_API_URL)).toBe(DEFAULT_API_URL);
    expect(checkApiUrl('https://api.stackexchange.com/2.2//')).toBe('https://api.stackexchange.com/2.2');
  });

  it.each([
    ['http://api.stackexchange.com/2.3', /use https/],
    ['ftp://api.stackexchange.com/2.3', /use https/],
    ['https://api.stackexchange.com/2.3?site=x', /query, fragment or credentials/],
    ['https://user:pass@api.stackexchange.com/2.3', /query, fragment or credentials/],
    ['api.stackexchange.com', /is not a URL/],
  ])('refuses %s', (url, message) => {
    expect(() => checkApiUrl(url, 'apiUrl')).toThrow(ConfigurationError);
    expect(() => checkApiUrl(url, 'apiUrl')).toThrow(message);
    expect(() => checkApiUrl(url, 'apiUrl')).toThrow(/^apiUrl: /);
  });

  it('allows plain http to loopback only', () => {
    expect(checkApiUrl('http://127.0.0.1:8080/2.3/')).toBe('http://127.0.0.1:8080/2.3');
    expect(() => checkApiUrl('http://192.168.1.5/2.3')).toThrow(/https/);
  });
});
