// The engine runs in the browser too: it bundles for the browser platform with no Node built-ins,
// and the bundle runs a flow inside a bare JavaScript context (no require, no process, no fs).
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { createContext, runInContext } from 'node:vm';
import { readFileSync } from 'node:fs';

describe('engine in a browser-like context', () => {
  it('bundles for the browser and simulates a flow without Node', async () => {
    const result = await build({
      entryPoints: ['engine/index.ts'],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'villageflow',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/require\(["']node:/);
    const context = createContext({ TextEncoder, TextDecoder, console });
    runInContext(code, context);
    const flow = JSON.parse(readFileSync('flows/four-deliberations-two-disclosures.flow.json', 'utf8'));
    const run = JSON.parse(readFileSync('flows/runs/four-deliberations-two-disclosures.happy-path.run.json', 'utf8'));
    context.input = { flow, events: run.events };
    const hashes = runInContext(
      'const c = villageflow.compileFlow(input.flow); villageflow.simulate(c, input.events).map((s) => s.record.hash)',
      context,
    );
    expect(Array.from(hashes)).toEqual(run.expect.hashes);
    expect(runInContext('typeof process + typeof require', context)).toBe('undefinedundefined');
  });
});
