import type { ApiMethod } from './types';

/** Versions served; both have the same access-token methods. */
export const API_VERSIONS: readonly string[] = ['2.2', '2.3'];

/** The most tokens one call accepts. */
export const MAX_TOKENS_PER_CALL = 20;

const TOKEN_PATTERN = /^[A-Za-z0-9*()_-]+$/;

/** What a request asks for, before any rule is applied. */
export interface ParsedRequest {
  readonly method: ApiMethod | 'unknown';
  /** Tokens of the path segment: percent-decoded, then split on ';'. Empty for unknown methods. */
  readonly tokens: readonly string[];
  /** Why the token list is unacceptable (bad_parameter), if it is. */
  readonly tokenProblem?: string;
  /** The `key` query parameter, if any. */
  readonly queryKey?: string;
  /** The key of an `Authorization: Bearer KEY` header, if any. */
  readonly headerKey?: string;
}

/** Maps the resource and action of a path to a method. */
function methodOf(resource: string | undefined, action: string | undefined): ApiMethod | undefined {
  if (resource === 'access-tokens')
    return action === undefined ? 'read' : action === 'invalidate' ? 'invalidate' : undefined;
  if (resource === 'apps' && action === 'de-authenticate') return 'deauthenticate';
  return undefined;
}

/** The problem of a decoded token list, if any. */
function tokenProblem(tokens: readonly string[]): string | undefined {
  if (tokens.length > MAX_TOKENS_PER_CALL)
    return `access_tokens accepts at most ${MAX_TOKENS_PER_CALL} values`;
  if (tokens.some((token) => token.length === 0)) return 'access_tokens contains an empty value';
  if (tokens.some((token) => !TOKEN_PATTERN.test(token))) return 'access_tokens contains an invalid value';
  return undefined;
}

/**
 * Reads the method, tokens and key of a request. The raw path is split by hand, not through URL
 * (which would resolve `..` and hide a client's path-injection bug): only GET
 * `/{version}/access-tokens/{tokens}[/invalidate]` and `/{version}/apps/{tokens}/de-authenticate` match.
 */
export function parseRequest(
  httpMethod: string | undefined,
  rawUrl: string,
  authorization?: string,
): ParsedRequest {
  const queryStart = rawUrl.indexOf('?');
  const path = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1));
  const headerKey = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  const keys = {
    ...(query.has('key') ? { queryKey: query.get('key') ?? '' } : {}),
    ...(headerKey === undefined ? {} : { headerKey }),
  };
  const unknown: ParsedRequest = { method: 'unknown', tokens: [], ...keys };

  const [root, version, resource, segment, action, ...rest] = path.split('/');
  if (httpMethod !== 'GET' || root !== '' || version === undefined || !API_VERSIONS.includes(version))
    return unknown;
  if (segment === undefined || rest.length > 0) return unknown;
  const method = methodOf(resource, action);
  if (method === undefined) return unknown;

  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return {
      method,
      tokens: [segment],
      tokenProblem: 'access_tokens is not valid percent-encoding',
      ...keys,
    };
  }
  const tokens = decoded.split(';');
  const problem = tokenProblem(tokens);
  return { method, tokens, ...(problem === undefined ? {} : { tokenProblem: problem }), ...keys };
}
