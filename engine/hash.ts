// SHA-256 over RFC 8785 canonical JSON: the same bytes in Node and in the browser.
//
// Every record of every instance is hashed when it is made and again whenever a chain is verified,
// so this is the engine's hottest path. Two things make it cheap without changing a single byte:
// - canonicalJson serialises plain JSON data itself and hands anything unusual to the
//   `canonicalize` package (the reference), so both always give the same text or the same error;
// - the SHA-256 is @noble/hashes (pure, browser-safe) fed from one reused UTF-8 buffer, and a
//   host with a native SHA-256 (node:crypto) can swap it in with setSha256: same digests, faster.
import type { HistoryRecord } from './types.ts';
import canonicalize from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Thrown inside the fast serialiser when a value needs the reference implementation. */
const UNUSUAL = Symbol('unusual');
/** Deeper than this, let the reference decide (it reports cycles; data this deep is not ours). */
const MAX_DEPTH = 100;

/** Characters JSON.stringify escapes (", \, controls), plus surrogates, which need a closer look. */
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A JSON string literal, as canonicalize writes it. Most strings need no escaping, and quoting
 * them is several times faster than JSON.stringify. JSON.stringify escapes a lone surrogate as
 * \udXXX where canonicalize throws, so any "\ud" in its output (rare: a literal backslash-u-d
 * also matches) sends the whole value to the reference.
 */
function str(s: string): string {
  if (!NEEDS_CARE.test(s)) return '"' + s + '"';
  const out = JSON.stringify(s);
  if (out.includes('\\ud')) throw UNUSUAL;
  return out;
}

/** Object.keys in code-unit order, as Array#sort orders strings; insertion sort is faster for the few keys records have. */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

function serialise(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return str(value);
    case 'number':
      // Finite numbers: ECMAScript Number-to-string, what RFC 8785 and JSON.stringify both use.
      if (!Number.isFinite(value)) throw UNUSUAL;
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth > MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') throw UNUSUAL;
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          // Holes and undefined/symbol/function elements: the reference has its own rules.
          if (!(i in value)) throw UNUSUAL;
          out += (i ? ',' : '') + serialise(value[i], depth + 1);
        }
        return out + ']';
      }
      const keys = sortedKeys(value);
      let out = '{';
      let first = true;
      for (const key of keys) {
        const v = (value as Record<string, unknown>)[key];
        // Like the reference: a key whose value is undefined or a symbol is left out.
        if (v === undefined || typeof v === 'symbol') continue;
        out += (first ? '' : ',') + str(key) + ':' + serialise(v, depth + 1);
        first = false;
      }
      return out + '}';
    }
    default:
      // undefined, bigint, symbol, function: the reference decides (a value or an error).
      throw UNUSUAL;
  }
}

export function canonicalJson(value: unknown): string {
  try {
    return serialise(value, 0);
  } catch (error) {
    if (error !== UNUSUAL) throw error;
  }
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no JSON form');
  return text;
}

/** What makeRecord hashes: a history record without its hash. */
export type UnsignedRecord = Omit<HistoryRecord, 'hash'>;

/**
 * hashJson of a record the engine has just made: the same text, with the record's own keys and
 * its actor's written in their canonical order instead of sorted on every event.
 */
export function hashRecord(record: UnsignedRecord): string {
  const { seq, type, actor, at, payload, state, prev } = record;
  if (
    typeof seq === 'number' && typeof type === 'string' && typeof at === 'string' && typeof state === 'string' &&
    (prev === null || typeof prev === 'string') && payload !== undefined &&
    actor !== null && typeof actor === 'object' && Object.getPrototypeOf(actor) === Object.prototype &&
    typeof actor.id === 'string' && typeof actor.role === 'string' && Object.keys(actor).length === 2 &&
    Object.keys(record).length === 7
  ) {
    return hashRecordOf(seq, type, actor.id, actor.role, at, payload, state, prev);
  }
  return sha256Hex(canonicalJson(record));
}

/**
 * hashRecord of `{ seq, type, actor: { id: actorId, role }, at, payload, state, prev }` (and
 * `calendars` when given: the calendar versions the step used), for the engine, which builds each
 * record from these parts: no record object to check or take apart. A record without calendars
 * hashes exactly as records always have. The strings are the engine's own; seq and prev come from
 * a host's snapshot, so they go through the general serialiser (a malformed one still hashes as
 * the reference would).
 */
export function hashRecordOf(
  seq: number, type: string, actorId: string, role: string, at: string,
  payload: Record<string, unknown>, state: string, prev: string | null, calendars?: string[],
): string {
  let text: string;
  try {
    text =
      '{"actor":{"id":' + str(actorId) + ',"role":' + str(role) + '},"at":' + str(at) +
      (calendars === undefined ? '' : ',"calendars":' + serialise(calendars, 1)) +
      ',"payload":' + serialise(payload, 1) + ',"prev":' + (prev === null ? 'null' : serialise(prev, 1)) +
      ',"seq":' + serialise(seq, 1) + ',"state":' + str(state) + ',"type":' + str(type) + '}';
  } catch (error) {
    if (error !== UNUSUAL) throw error;
    const record: Record<string, unknown> = { seq, type, actor: { id: actorId, role }, at, payload, state, prev };
    if (calendars !== undefined) record.calendars = calendars;
    text = canonicalJson(record);
  }
  return sha256Hex(text);
}

/** SHA-256 of a string's UTF-8 bytes, as lowercase hex. */
export type Sha256Hex = (text: string) => string;

const encoder = new TextEncoder();
/** Reused for every hash: a fresh Uint8Array per record costs more than the hashing itself. */
let utf8 = new Uint8Array(4096);

function nobleSha256Hex(text: string): string {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > utf8.length) utf8 = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, utf8);
  return bytesToHex(sha256(utf8.subarray(0, written)));
}

let sha256Hex: Sha256Hex = nobleSha256Hex;

/** Texts an injected SHA-256 must hash exactly as @noble/hashes does (ASCII, CJK, astral, empty). */
const PROBES = ['', 'abc', '{"村务":"五议两公开","emoji":"🏡"}', 'x'.repeat(200)];

/**
 * Replaces the SHA-256 the engine uses (e.g. node:crypto in a Node host: createHash('sha256')
 * .update(text).digest('hex')). Digests are the same, only faster; an implementation that gives
 * any other digest for the probes is refused. Pass nothing to go back to @noble/hashes.
 */
export function setSha256(impl?: Sha256Hex): void {
  if (impl) {
    for (const probe of PROBES) {
      if (impl(probe) !== nobleSha256Hex(probe)) throw new Error('setSha256: the implementation does not compute SHA-256 of UTF-8 as lowercase hex');
    }
  }
  sha256Hex = impl ?? nobleSha256Hex;
}

export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
