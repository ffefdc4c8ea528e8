// The options of the local SQS server, their defaults, and the environment variables that set them for
// servers started without them (a child server, `npm start`, `npm run bench`).

/** Per-call latency when none is given: a real SQS call in-region takes about 5-20 ms. */
export const DEFAULT_LATENCY_MS = 10;

/** SQS's limit of messages in flight per standard queue. */
export const DEFAULT_MAX_IN_FLIGHT_MESSAGES = 120_000;

/** Environment variables read when an option is not given. */
export const LOCAL_SQS_ENV = {
  port: 'LOCAL_SQS_PORT',
  latencyMs: 'LOCAL_SQS_LATENCY_MS',
  maxInFlightMessages: 'LOCAL_SQS_MAX_IN_FLIGHT_MESSAGES',
};

/**
 * An option from the environment: undefined when unset or empty, else its number (NaN stays NaN, so the
 * check below names the variable).
 * @param {Readonly<Record<string, string | undefined>>} env
 * @param {keyof typeof LOCAL_SQS_ENV} option
 */
function fromEnv(env, option) {
  const text = env[LOCAL_SQS_ENV[option]];
  return text === undefined || text.trim() === '' ? undefined : Number(text);
}

/**
 * The options with their defaults (given option, else its environment variable, else the default), each
 * checked: a RangeError names the option and, when it came from there, the environment variable.
 * @param {import('./options.d.mts').LocalSqsOptions} [options]
 * @param {Readonly<Record<string, string | undefined>>} [env]
 * @returns {import('./options.d.mts').ResolvedLocalSqsOptions}
 */
export function resolveOptions(options = {}, env = process.env) {
  const pick = (option, fallback) => {
    const given = options[option];
    if (given !== undefined) return { value: given, source: option };
    const value = fromEnv(env, option);
    return value === undefined
      ? { value: fallback, source: option }
      : { value, source: `${option} (${LOCAL_SQS_ENV[option]})` };
  };
  const port = pick('port', 0);
  if (!Number.isInteger(port.value) || port.value < 0 || port.value > 65_535) {
    throw new RangeError(`${port.source}: ${String(port.value)} is not an integer between 0 and 65535`);
  }
  const latency = pick('latencyMs', DEFAULT_LATENCY_MS);
  if (typeof latency.value !== 'number' || !Number.isFinite(latency.value) || latency.value < 0) {
    throw new RangeError(`${latency.source}: ${String(latency.value)} is not a number of milliseconds >= 0`);
  }
  const inFlight = pick('maxInFlightMessages', DEFAULT_MAX_IN_FLIGHT_MESSAGES);
  if (!Number.isInteger(inFlight.value) || inFlight.value < 1) {
    throw new RangeError(`${inFlight.source}: ${String(inFlight.value)} is not an integer >= 1`);
  }
  return { port: port.value, latencyMs: latency.value, maxInFlightMessages: inFlight.value };
}

/**
 * Environment variables that give a child server these options.
 * @param {import('./options.d.mts').ResolvedLocalSqsOptions} options
 * @returns {Record<string, string>}
 */
export function optionsToEnv(options) {
  return {
    [LOCAL_SQS_ENV.port]: String(options.port),
    [LOCAL_SQS_ENV.latencyMs]: String(options.latencyMs),
    [LOCAL_SQS_ENV.maxInFlightMessages]: String(options.maxInFlightMessages),
  };
}
