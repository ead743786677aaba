// A sign-in sheet photo becomes a reference, "sha256:<hex>:<file name>" (designer/forms/attachments.ts),
// kept with a thumbnail while the record is being written.
import { fileReference } from '../forms/attachments.ts';

export interface Evidence {
  ref: string;
  name: string;
  hex: string;
  /** An object URL for a thumbnail, revoked when the file is removed. */
  preview: string | null;
}

export async function evidenceOf(file: File): Promise<Evidence> {
  const { ref, hex, name } = await fileReference(file, 'photo');
  const preview = file.type.startsWith('image/') && typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : null;
  return { ref, name, hex, preview };
}
