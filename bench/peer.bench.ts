// Whole instances per second of the 五议两公开 happy path: villageflow's engine (start, then apply
// for every event of the golden run) against the same process modelled in BPMN 2.0
// (bench/five-deliberations.bpmn) and run in bpmn-engine, the peer a JavaScript shop would reach
// for. Both run in-process with no persistence. The BPMN host does what a bpmn-engine application
// has to: it signals each waiting user task with the next event and, for votes, tallies the counts
// or the ballots by the flow's quorum and pass rules itself and routes on the outcome. villageflow
// does more per event than that (payload and form validation, role checks, the hash chain).
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { Engine, type BpmnEngineOptions } from 'bpmn-engine';
import { apply, compileFlow, simulate, start, type FlowEvent } from '../engine/index.ts';
import { setSha256 } from '../engine/hash.ts';
import { find, measure, nodeSha256, type Benchmark, type Result } from './lib.ts';

const FLOW = '../flows/five-deliberations-two-disclosures.flow.json';
const RUN = '../flows/runs/five-deliberations-two-disclosures.happy-path.run.json';
const BPMN = new URL('./five-deliberations.bpmn', import.meta.url);
const readJson = (rel: string): unknown => JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'));

const T = {
  engine: 'villageflow engine start+apply',
  engineNode: 'villageflow engine start+apply (node:crypto SHA-256)',
  bpmn: 'bpmn-engine, parsed once (sourceContext)',
  bpmnXml: 'bpmn-engine, XML parsed per instance',
};

type Counts = Record<string, number>;
/** The flow's vote rules, as the BPMN host must code them: more than half / at least two thirds. */
const RULES: Record<string, { quorum: (c: Counts) => boolean; pass: (c: Counts) => boolean }> = {
  two_committees: { quorum: (c) => c.present! * 2 > c.members!, pass: (c) => c.for! * 2 > c.present! },
  party_members_meeting: { quorum: (c) => c.present! * 2 > c.eligible!, pass: (c) => c.for! * 2 > c.eligible! },
  representatives_meeting: { quorum: (c) => c.present! * 3 >= c.members! * 2, pass: (c) => c.for! * 2 > c.present! },
};

/** What the BPMN host routes on after `event` in the waiting task `state`. */
function route(state: string, event: FlowEvent, ballots: Map<string, string>): string {
  const p = (event.payload ?? {}) as Record<string, unknown>;
  switch (event.type) {
    case 'CAST_BALLOT':
      ballots.set(event.actor.id, String(p.choice));
      return 'BALLOT';
    case 'RECORD_VOTE':
    case 'CLOSE_VOTE': {
      const counts: Counts =
        event.type === 'RECORD_VOTE'
          ? (p as Counts)
          : {
              members: Number(p.members),
              eligible: Number(p.eligible),
              present: ballots.size,
              for: [...ballots.values()].filter((c) => c === 'for').length,
            };
      ballots.clear();
      const rule = RULES[state];
      if (!rule) throw new Error(`no vote in ${state}`);
      return !rule.quorum(counts) ? 'NO_QUORUM' : rule.pass(counts) ? 'PASSED' : 'FAILED';
    }
    case 'TIMER':
      return 'ENDED';
    default:
      return typeof p.decision === 'string' && state.endsWith('_objection') ? p.decision.toUpperCase() : event.type;
  }
}

interface BpmnRun {
  /** The user task each event was delivered to, in order. */
  waits: string[];
  /** The end event the process finished in. */
  end: string;
}

/** Runs one instance to its end, feeding it `events` (after START) as the tasks come up. */
async function runBpmn(source: { sourceContext: unknown } | { source: string }, events: FlowEvent[], trace: boolean): Promise<BpmnRun> {
  const waits: string[] = [];
  let end = '';
  let next = 1;
  const ballots = new Map<string, string>();
  const listener = new EventEmitter();
  listener.on('wait', (api: { id: string; environment: { output: Record<string, unknown> }; signal(m: unknown): void }) => {
    const event = events[next++];
    if (!event) throw new Error(`bpmn-engine waits in ${api.id} after the last event`);
    if (trace) waits.push(api.id);
    api.environment.output.route = { [route(api.id, event, ballots)]: true };
    api.signal({ type: event.type, actor: event.actor, payload: event.payload });
  });
  if (trace) listener.on('activity.end', (api: { type: string; id: string }) => void (api.type === 'bpmn:EndEvent' && (end = api.id)));
  const engine = new Engine({ ...source, name: 'five-deliberations' } as BpmnEngineOptions);
  const ended = engine.waitFor('end');
  await engine.execute({ listener });
  await ended;
  if (next !== events.length) throw new Error(`bpmn-engine ended after ${next} of ${events.length} events`);
  return { waits, end };
}

/**
 * The BPMN source parsed (bpmn-moddle) and serialised (moddle-context-serializer) once: what Engine
 * builds from `source` and accepts back as `sourceContext`, taken from the engine's loaded definition.
 */
async function sourceContextOf(xml: string): Promise<unknown> {
  const [definition] = await new Engine({ source: xml }).getDefinitions();
  const context = (definition as unknown as { context?: { definitionContext?: unknown } } | undefined)?.context?.definitionContext;
  if (!context) throw new Error('bpmn-engine did not expose the serialised BPMN context');
  return context;
}

let sink: unknown;

const bench: Benchmark = {
  name: 'peer',
  description: '五议两公开 happy path, whole instances: villageflow engine vs bpmn-engine on the same process in BPMN',
  async run(): Promise<Result[]> {
    const compiled = compileFlow(readJson(FLOW));
    const run = readJson(RUN) as { events: FlowEvent[]; expect: { final: string } };
    const events = run.events;
    const n = events.length;
    const steps = simulate(compiled, events);
    if (steps.at(-1)!.snapshot.state !== run.expect.final) throw new Error(`happy path ends in ${steps.at(-1)!.snapshot.state}, expected ${run.expect.final}`);

    // Self-check: the BPMN process takes each event in the state the engine takes it in, and ends in
    // the same final state.
    const xml = readFileSync(BPMN, 'utf8');
    const sourceContext = await sourceContextOf(xml);
    const expected = steps.slice(0, -1).map((s) => s.snapshot.state);
    for (const [label, src] of [['sourceContext', { sourceContext }], ['xml', { source: xml }]] as const) {
      const r = await runBpmn(src, events, true);
      if (r.waits.join() !== expected.join()) throw new Error(`bpmn-engine (${label}) walked ${r.waits.join(' → ')}, the engine ${expected.join(' → ')}`);
      if (r.end !== run.expect.final) throw new Error(`bpmn-engine (${label}) ended in ${r.end}, expected ${run.expect.final}`);
    }

    const instances = { unit: 'instances', perOp: 1, input: n, inputUnit: 'events/instance' };
    const whole = () => {
      let r = start(compiled, events[0]!);
      for (let i = 1; i < n; i++) r = apply(compiled, r.snapshot, events[i]!);
      sink = r;
    };
    const engineRows = await measure(this.name, [
      { name: T.engine, ...instances, fn: whole },
      { name: T.engineNode, ...instances, fn: whole, setup: () => setSha256(nodeSha256), teardown: () => setSha256() },
    ]);
    const bpmnRows = await measure(this.name, [
      { name: T.bpmn, ...instances, fn: async () => void (sink = await runBpmn({ sourceContext }, events, false)) },
      { name: T.bpmnXml, ...instances, fn: async () => void (sink = await runBpmn({ source: xml }, events, false)) },
    ], { iterations: 16 });
    return [...engineRows, ...bpmnRows];
  },
  summarize(results) {
    const engine = find(results, T.engine);
    const engineNode = find(results, T.engineNode);
    const bpmn = find(results, T.bpmn);
    const bpmnXml = find(results, T.bpmnXml);
    const x = (a: Result, b: Result) => `${(a.itemsPerSec / b.itemsPerSec).toFixed(1)}x`;
    const meets = (a: Result) => (a.itemsPerSec / bpmn.itemsPerSec >= 50 ? 'meets 50x' : `below 50x by ${(50 - a.itemsPerSec / bpmn.itemsPerSec).toFixed(1)}x`);
    return [
      `villageflow vs bpmn-engine (parsed once): ${x(engine, bpmn)} with noble SHA-256 (${meets(engine)}), ${x(engineNode, bpmn)} with node:crypto (${meets(engineNode)})`,
      `villageflow vs bpmn-engine (XML per instance): ${x(engine, bpmnXml)} / ${x(engineNode, bpmnXml)}`,
      `per instance (${engine.input} events): villageflow ${(engine.usPerItem / 1000).toFixed(3)} ms (noble) / ${(engineNode.usPerItem / 1000).toFixed(3)} ms (node:crypto), ` +
        `bpmn-engine ${(bpmn.usPerItem / 1000).toFixed(2)} ms (parsed once) / ${(bpmnXml.usPerItem / 1000).toFixed(2)} ms (XML)`,
    ];
  },
};
export default bench;

