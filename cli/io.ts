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

/** `--name VALUE` options, and the positional arguments. */
export function parseOptions(args: string[], names: string[], flags: string[] = []): { values: Record<string, string>; flags: Set<string>; rest: string[] } {
  const values: Record<string, string> = {};
  const set = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) rest.push(arg);
    else if (flags.includes(arg.slice(2))) set.add(arg.slice(2));
    else if (names.includes(arg.slice(2))) {
      const value = args[++i];
      if (value === undefined || value.startsWith('--')) throw new CliError(`${arg} needs a value`);
      values[arg.slice(2)] = value;
    } else throw new CliError(`unexpected argument "${arg}"`);
  }
  return { values, flags: set, rest };
}
