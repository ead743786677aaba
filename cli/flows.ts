// Loading flow files as the CLI and tests see them: validated, compiled, named after their file.
import { basename } from 'node:path';
import { compileFlow, validateFlow, type CompiledFlow, type FlowIssue } from '../engine/index.ts';
import { CliError, readJson } from './io.ts';

/** Issues of a flow file: the engine's, plus the file naming rule `<id>.flow.json`. */
export function flowFileIssues(file: string, flow: unknown): FlowIssue[] {
  const issues = validateFlow(flow);
  const name = basename(file);
  const id = (flow as { id?: unknown })?.id;
  if (name.endsWith('.flow.json') && typeof id === 'string' && name !== `${id}.flow.json`) {
    issues.push({ pointer: '/id', message: `id "${id}" does not match the file name ${name} (expected ${id}.flow.json)` });
  }
  return issues;
}

/**
 * Flows loaded, by file name and content: `villageflow check` replays each flow's golden runs, and
 * validating and compiling a flow is most of a replay's time. The newest LOADED_KEPT are kept.
 */
const loaded = new Map<string, CompiledFlow>();
const LOADED_KEPT = 16;

export function loadFlow(file: string): CompiledFlow {
  const flow = readJson(file);
  const key = `${basename(file)}\n${JSON.stringify(flow)}`;
  const known = loaded.get(key);
  if (known) return known;
  const compiled = compileChecked(file, flow);
  if (loaded.size >= LOADED_KEPT) loaded.delete(loaded.keys().next().value!);
  loaded.set(key, compiled);
  return compiled;
}

function compileChecked(file: string, flow: unknown): CompiledFlow {
  const issues = flowFileIssues(file, flow);
  if (issues.length) {
    const e = issues[0]!;
    throw new CliError(`${file}: ${e.pointer || '/'}: ${e.message}` + (issues.length > 1 ? ` (and ${issues.length - 1} more; run villageflow validate)` : ''));
  }
  return compileFlow(flow);
}
