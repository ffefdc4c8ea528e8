import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { ConfigurationError } from './errors';
import { stringifyJson } from './stringify';
import { Lane } from './telemetry-names';

/**
 * The one definition of a parked message, shared by the functions (which write and, sent back as
 * they are, read them) and the CLI (`dlq list`, `dlq redrive`): a JSON object whose last field,
 * `mac`, is an HMAC-SHA256 of the rest of the object (its JSON text, fields in order) under the
 * parking key. Only the functions and the operators can read that key (decision record 0005), so a
 * producer's body or message attributes cannot make a message look parked: without a valid `mac` a
 * wrapper is just a request object like any other.
 */

/** The HMAC key parked messages are sealed with (a KeyObject: never printed, never logged). */
export type ParkingKey = KeyObject;

/** The name of the field that carries the seal. */
export const MAC_FIELD = 'mac';

/**
 * The field that records the lane whose input was parked (`routine` or `urgent`). The seal covers it
 * like any other field; messages sealed before it existed have none, and their seals still verify.
 */
export const LANE_FIELD = 'lane';

/** The fewest characters a parking key must have (the stack generates 64). */
export const MIN_PARKING_KEY_LENGTH = 32;

/** A parking key from its stored text; `setting` names where it came from in the error. */
export function parkingKey(text: string, setting: string): ParkingKey {
  const trimmed = text.trim();
  if (trimmed.length < MIN_PARKING_KEY_LENGTH) {
    throw new ConfigurationError(
      setting,
      `the parking key has ${trimmed.length} characters; it needs at least ${MIN_PARKING_KEY_LENGTH}`,
    );
  }
  return createSecretKey(Buffer.from(trimmed, 'utf8'));
}

function macOf(text: string, key: ParkingKey): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

/**
 * The body of a parked message: the wrapper's JSON with `mac` last, or without `mac` when there is no
 * key (a local run, or a key that could not be read: such a message is never taken for a parked one).
 */
export function sealParked(wrapper: Readonly<Record<string, unknown>>, key: ParkingKey | undefined): string {
  const { [MAC_FIELD]: _ignored, ...fields } = wrapper;
  const text = stringifyJson(fields) ?? '{}';
  if (key === undefined) return text;
  const mac = macOf(text, key).toString('hex');
  return `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}"${MAC_FIELD}":"${mac}"}`;
}

/**
 * True when the object is a parked message this pipeline sealed with `key`: its `mac` is the HMAC of
 * the rest. Never throws (any depth, any field).
 */
export function isSealedParked(
  object: Readonly<Record<string, unknown>>,
  key: ParkingKey | undefined,
): boolean {
  if (key === undefined) return false;
  const mac = object[MAC_FIELD];
  if (typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) return false;
  try {
    const { [MAC_FIELD]: _mac, ...fields } = object;
    const expected = macOf(stringifyJson(fields) ?? '', key);
    return timingSafeEqual(expected, Buffer.from(mac, 'hex'));
  } catch {
    return false;
  }
}

/** The lane a sealed parked message records, or undefined (sealed before lanes were recorded, or not a lane). */
export function parkedLane(object: Readonly<Record<string, unknown>>): Lane | undefined {
  const lane = object[LANE_FIELD];
  return lane === Lane.Routine || lane === Lane.Urgent ? lane : undefined;
}
