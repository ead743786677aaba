// Reading the CLI's inputs: every failure becomes one plain line, never a stack trace.
import { readFileSync, statSync } from 'node:fs';

export const MAX_INPUT_BYTES = 10 * 1024 * 1024;

export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function readJson(file: string): unknown {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new CliError(`${file}: not a file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (size > MAX_INPUT_BYTES) throw new CliError(`${file}: file is ${size} bytes, more than the ${MAX_INPUT_BYTES} allowed`);
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file}: not JSON: ${(error as Error).message}`);
  }
}

export function pointerText(pointer: string): string {
  return pointer === '' ? '/' : pointer;
}
