// Node hosts (the server, the CLI) hash history records with node:crypto: the same SHA-256 digests
// as the engine's pure-JS default (the engine checks that before accepting it), several times faster.
import { hash } from 'node:crypto';
import { setSha256 } from '../engine/index.ts';

export function useNodeCrypto(): void {
  setSha256((text) => hash('sha256', text));
}
