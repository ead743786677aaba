// Drives bundled flows to their vote steps over HTTP, as a demo village's people, for the tests of
// meetings and rosters: the run's events up to the first vote, every vote on the way passed by all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Flow, FlowEvent, VoteConfig } from '../../engine/index.ts';
import { demoAccount } from '../../server/host/seed.ts';
import type { Role } from '../../server/store/types.ts';
import type { Client, TestServer } from './harness.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const flowOf = (file: string) => JSON.parse(readFileSync(join(ROOT, 'flows', file), 'utf8')) as Flow;
/** A golden run of the flow that reaches its votes: its events before the first vote are replayed to get there. */
function runOf(flowFile: string): { events: FlowEvent[] } {
  const id = flowFile.replace(/\.flow\.json$/, '');
  const names = readdirSync(join(ROOT, 'flows', 'runs')).filter((f) => f.startsWith(`${id}.`)).sort();
  const name = names.find((n) => n.includes('happy-path')) ?? names.find((n) => n.includes('completed')) ?? names[0]!;
  return JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', name), 'utf8')) as { events: FlowEvent[] };
}

/**
 * Meetings in `village`: `voters` are the user names that cast ballots (the Party's voting members),
 * `all(electorate)` how many vote when everyone comes (the passing votes on the way).
 */
export function meetings(s: TestServer, village: string, voters: string[], all: (electorate: string) => number) {
  const as = (username: string): Promise<Client> => s.person(username);

  /** The demo user who sends a run's event in the current step: one holding a role the step takes. */
  function sender(flow: Flow, state: string, e: FlowEvent): string {
    const config = flow.states[state]!;
    const takes = [config.on?.[e.type]].flat().flatMap((t) => (t && typeof t === 'object' && 'roles' in t ? ((t as { roles?: string[] }).roles ?? []) : []));
    const role = (e.actor.roles.find((r) => config.roles?.includes(r) || takes.includes(r)) ?? e.actor.roles[0]) as Role;
    return demoAccount(role, village).username;
  }

  /** A vote step's meeting held: `present` of the voting members come (or cast), `yes` of them for, the rest against. */
  async function vote(id: string, seq: number, config: VoteConfig, present: number, yes: number) {
    const clerk = await as(demoAccount('clerk', village).username);
    if (config.mode === 'record') {
      return clerk.instances.send.mutate({ id, seq, type: 'RECORD_VOTE', payload: { present, for: yes, against: present - yes, abstain: 0, recused: 0 } });
    }
    for (const [n, voter] of voters.slice(0, present).entries()) {
      seq = (await (await as(voter)).instances.send.mutate({ id, seq, type: 'CAST_BALLOT', payload: { choice: n < yes ? 'for' : 'against' } })).seq;
    }
    return clerk.instances.send.mutate({ id, seq, type: 'CLOSE_VOTE', payload: {} });
  }

  /** A new matter of the flow brought to `target`: the run's events up to the first vote, every vote before the target passed by all. */
  async function reach(file: string, target: string): Promise<{ id: string; seq: number }> {
    const flow = flowOf(file);
    const events = runOf(file).events.filter((e) => !['RECORD_VOTE', 'CAST_BALLOT', 'CLOSE_VOTE'].includes(e.type));
    const start = events.shift()!;
    const starter = await as(sender(flow, flow.initial, start));
    const data = start.payload?.data as Record<string, unknown> | undefined;
    let { id, seq, state } = await starter.instances.start.mutate({ villageId: village, flowId: file.replace(/\.flow\.json$/, ''), title: `会议：${target}`, ...(data ? { data } : {}) });
    while (state !== target) {
      const config = flow.states[state]!;
      let sent;
      if (config.vote) {
        sent = await vote(id, seq, config.vote, all(config.vote.electorate), all(config.vote.electorate));
      } else {
        const e = events.shift();
        if (!e) throw new Error(`${file}: the run ends before ${target}`);
        sent = await (await as(sender(flow, state, e))).instances.send.mutate({ id, seq, type: e.type, payload: e.payload ?? {} });
      }
      ({ seq, state } = sent);
    }
    return { id, seq };
  }

  return { vote, reach };
}
