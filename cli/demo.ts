// `npm start` until the server exists: simulate the bundled 五议两公开 golden run and print its
// history as a committee member would read it.
import { join } from 'node:path';
import { simulate } from '../engine/index.ts';
import { FLOWS_DIR } from './generate-types.ts';
import { loadFlow } from './flows.ts';
import { loadRun, RUNS_DIR } from './runs.ts';

const RUN = 'five-deliberations-two-disclosures.happy-path.run.json';

function chinaTime(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
}

export function demo(io: { out: (line: string) => void }): number {
  const run = loadRun(join(RUNS_DIR, RUN));
  const compiled = loadFlow(join(FLOWS_DIR, run.flow));
  const { flow } = compiled;
  io.out(`villageflow demo — ${flow.title.zh} (${flow.title.en ?? flow.id}) v${flow.version}`);
  io.out('The server and web app are not built yet; this simulates the bundled golden run with the engine.\n');
  for (const { record, snapshot } of simulate(compiled, run.events)) {
    const state = flow.states[record.state]!;
    const role = record.actor.role === 'system' ? '系统' : (flow.roles[record.actor.role]?.zh ?? record.actor.role);
    io.out(
      `#${String(record.seq).padStart(2)} ${chinaTime(record.at)}  ${role.padEnd(8, '　')} ${record.type.padEnd(12)} → ${state.title.zh}` +
        (snapshot.status === 'done' ? ` [${snapshot.outcome}]` : ''),
    );
  }
  io.out('\nEvery record is chained by SHA-256; try: npx villageflow verify FLOW HISTORY');
  return 0;
}
