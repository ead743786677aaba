// A file a person attaches (a form's attachment, a meeting's sign-in sheet) becomes a reference,
// "sha256:<hex>:<file name>": the server keeps the fingerprint and the name, never the file. The
// hash is worked out in the browser with Web Crypto, or with @noble/hashes where Web Crypto is
// missing (a plain-http intranet is not a secure context).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** The server takes references up to 500 characters: long file names are shortened. */
const MAX_NAME = 400;

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) return bytesToHex(new Uint8Array(await subtle.digest('SHA-256', bytes)));
  return bytesToHex(sha256(new Uint8Array(bytes)));
}

/** A file's reference and its parts; `unnamed` stands for a file without a name. */
export async function fileReference(file: File, unnamed: string): Promise<{ ref: string; hex: string; name: string }> {
  const hex = await sha256Hex(await file.arrayBuffer());
  const name = [...file.name.replace(/[\r\n]/g, ' ')].slice(0, MAX_NAME).join('') || unnamed;
  return { ref: `sha256:${hex}:${name}`, hex, name };
}

/** "sha256:<hex>:<name>" → its parts; null for anything else. */
export function readReference(value: unknown): { hex: string; name: string } | null {
  if (typeof value !== 'string') return null;
  const m = /^sha256:([0-9a-f]{64})(?::(.*))?$/s.exec(value);
  return m ? { hex: m[1]!, name: m[2] ?? '' } : null;
}
