// Golden runs: each bundled flow's recorded runs replay to their pinned hashes, verify, and
// together take every transition the flow declares.
import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { baselineCalendar, replay, simulate, verify, type Flow } from '../../engine/index.ts';
import { bundledFlowFiles } from '../../cli/generate-types.ts';
import { loadFlow } from '../../cli/flows.ts';
import { loadRun, runFiles } from '../../cli/runs.ts';

/** Every transition a flow declares, named as the engine names them in `context.taken`. */
function declaredTransitions(flow: Flow): string[] {
  const keys: string[] = [];
  for (const [id, state] of Object.entries(flow.states)) {
    for (const [event, value] of Object.entries(state.on ?? {})) {
      const n = Array.isArray(value) ? value.length : 1;
      for (let i = 0; i < n; i++) keys.push(`${id}#${event}#${i}`);
    }
    for (const key of Object.keys(state.after ?? {})) keys.push(`${id}#TIMER:${id}:after:${key}#0`);
  }
  return keys;
}

const runs = runFiles().map((file) => ({ file, run: loadRun(file) }));

for (const flowFile of bundledFlowFiles()) {
  const compiled = loadFlow(flowFile);
  const mine = runs.filter((r) => r.run.flow === basename(flowFile));

  describe(basename(flowFile), () => {
    it('has golden runs', () => {
      expect(mine.length).toBeGreaterThan(0);
    });

    const taken = new Set<string>();
    for (const { file, run } of mine) {
      it(`${basename(file)} replays to its pinned final state and hashes, and verifies`, () => {
        // On the calendar `villageflow runs` and the designer count on (cli/runs.ts).
        const calendar = baselineCalendar();
        const steps = simulate(compiled, run.events, { calendar });
        for (const s of steps) if (s.snapshot.context.taken) taken.add(s.snapshot.context.taken);
        expect(steps.at(-1)!.snapshot.state).toBe(run.expect.final);
        expect(steps.map((s) => s.record.hash)).toEqual(run.expect.hashes);
        const records = steps.map((s) => s.record);
        // Verified and replayed on exactly the versions the records name (provisional ones included).
        const calendars = calendar.versions();
        expect(verify(compiled, records, { head: run.expect.hashes.at(-1), calendars })).toMatchObject({ ok: true });
        expect(replay(compiled, records, { calendars }).map((s) => s.state)).toEqual(steps.map((s) => s.snapshot.state));
      });
    }

    it('its runs together take every declared transition', () => {
      const missing = declaredTransitions(compiled.flow).filter((k) => !taken.has(k));
      expect(missing).toEqual([]);
    });
  });
}

it('every golden run names a bundled flow', () => {
  const names = new Set(bundledFlowFiles().map((f) => basename(f)));
  for (const { file, run } of runs) expect(names.has(run.flow), `${file} names ${run.flow}`).toBe(true);
});
