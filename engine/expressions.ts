// Guards are CEL expressions (Common Expression Language: no loops beyond bounded macros, no
// access to globals). One environment declares every variable a guard may read.
import { Environment } from '@marcbachmann/cel-js';

export const GUARD_VARIABLES = ['data', 'payload', 'vote', 'actor', 'now', 'enteredAt'] as const;

const env = new Environment({
  unlistedVariablesAreDyn: false,
  limits: { maxAstNodes: 500, maxDepth: 32, maxListElements: 200, maxMapEntries: 200, maxCallArguments: 8 },
})
  .registerVariable('data', 'dyn')
  .registerVariable('payload', 'dyn')
  .registerVariable('vote', 'dyn')
  .registerVariable('actor', 'dyn')
  .registerVariable('now', 'google.protobuf.Timestamp')
  .registerVariable('enteredAt', 'google.protobuf.Timestamp');

export interface GuardScope {
  data: unknown;
  payload: unknown;
  vote: unknown;
  actor: { id: string; role: string };
  now: Date;
  enteredAt: Date;
}

export type Guard = (scope: GuardScope) => boolean;

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

/** Why a guard expression is unusable, or null when it is fine. */
export function guardProblem(expression: string): string | null {
  // Regular expressions are the one CEL feature whose cost is unbounded (catastrophic backtracking).
  if (/\bmatches\s*\(/.test(expression)) return `guard "${expression}": matches() is not allowed in guards`;
  try {
    const result = env.check(expression);
    if (!result.valid) return `guard "${expression}": ${firstLine(result.error?.message ?? 'invalid')}`;
    if (result.type !== 'bool' && result.type !== 'dyn') {
      return `guard "${expression}" must be true or false, but it gives ${result.type}`;
    }
    return null;
  } catch (error) {
    return `guard "${expression}": ${firstLine((error as Error).message)}`;
  }
}

/** Compiles a checked guard; evaluation errors propagate so the caller can name the guard. */
export function compileGuard(expression: string): Guard {
  const evaluate = env.parse(expression);
  return (scope) => {
    const value = evaluate(scope as unknown as Record<string, unknown>);
    if (typeof value !== 'boolean') throw new Error(`guard "${expression}" gave ${typeof value}, not a boolean`);
    return value;
  };
}
