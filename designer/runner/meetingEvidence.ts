// A sign-in sheet photo becomes a reference, "sha256:<hex>:<file name>": the server keeps the
// fingerprint and the name, never the photo. The hash is worked out in the browser with Web Crypto,
// or with @noble/hashes where Web Crypto is missing (a plain-http intranet is not a secure context).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** The server takes references up to 500 characters: long file names are shortened. */
const MAX_NAME = 400;

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) return bytesToHex(new Uint8Array(await subtle.digest('SHA-256', bytes)));
  return bytesToHex(sha256(new Uint8Array(bytes)));
}

export interface Evidence {
  ref: string;
  name: string;
  hex: string;
  /** An object URL for a thumbnail, revoked when the file is removed. */
  preview: string | null;
}

export async function evidenceOf(file: File): Promise<Evidence> {
  const hex = await sha256Hex(await file.arrayBuffer());
  const name = [...file.name.replace(/[\r\n]/g, ' ')].slice(0, MAX_NAME).join('') || 'photo';
  const preview = file.type.startsWith('image/') && typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : null;
  return { ref: `sha256:${hex}:${name}`, name, hex, preview };
}
