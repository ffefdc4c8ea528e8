import { ConfigurationError } from '../errors';

/** The public API's base URL, version included. */
export const DEFAULT_API_URL = 'https://api.stackexchange.com/2.3';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** True for 127.0.0.0/8, ::1 and localhost: the only places plain http is allowed (tests, the sandbox). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Validates a base URL for the Stack Exchange API. HTTPS only: a token sent over plain http is
 * reported compromised and killed by the API. Plain http is accepted for loopback hosts only.
 * @returns the URL with no trailing slash.
 */
export function checkApiUrl(value: string, setting = 'STACKEXCHANGE_API_URL'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(setting, `"${value}" is not a URL (expected e.g. ${DEFAULT_API_URL})`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigurationError(
      setting,
      `${url.protocol}//${url.host} is not allowed: use https (plain http only for loopback hosts in tests)`,
    );
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigurationError(setting, 'the base URL must not carry a query, fragment or credentials');
  }
  return url.href.replace(/\/+$/, '');
}
