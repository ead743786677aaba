// Shared test fixtures: flows loaded from disk, actors, and a deep freeze that proves purity.
import { readFileSync } from 'node:fs';
import { compileFlow, EngineError, type CompiledFlow, type FlowEvent } from '../engine/index.ts';

export function readFlowJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'));
}

export function loadCompiled(path: string): CompiledFlow {
  return compileFlow(readFlowJson(path));
}

/** 五议两公开 with the Party members' meeting as a secret ballot: a township's own next version. */
export function secretFlowJson(): Record<string, unknown> {
  const json = readFlowJson('flows/five-deliberations-two-disclosures.flow.json') as { version: string; states: Record<string, { vote?: Record<string, unknown> }> };
  const [major, minor] = json.version.split('.').map(Number);
  json.version = `${major}.${minor! + 1}.0`;
  json.states.party_members_meeting!.vote!.secret = true;
  return json;
}

export const actor = (id: string, ...roles: string[]) => ({ id, roles });
export const SYSTEM = actor('system', 'system');

/** Events one minute apart from a fixed start, so tests read as a sequence. */
export function clock(startIso = '2026-03-02T09:00:00+08:00') {
  let t = Date.parse(startIso);
  return {
    next(minutes = 1) {
      t += minutes * 60_000;
      return new Date(t).toISOString();
    },
    at(iso: string) {
      t = Date.parse(iso);
      return new Date(t).toISOString();
    },
  };
}

export function event(type: string, who: { id: string; roles: string[] }, at: string, payload?: Record<string, unknown>): FlowEvent {
  return { type, actor: who, at, payload };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The EngineError a call throws (any other outcome fails the test). */
export function engineError(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected an EngineError');
}
