// The four service flows (低保, 代办, 网格, 一事一议) end to end over real HTTP: every golden run of each
// flow is played through the tRPC API by the demo village's own users, at the run's own times on
// the server's manual clock, with timers delivered only by the scheduler. Each instance must go
// through exactly the states the engine gives the golden run, end where the run ends, and its
// chain must verify. Along the way: a 低保 public notice sent back by an objection, deadlines that
// flag a step overdue in the inbox and the overview or escalate it to supervision (督办), and
// ratings that move the satisfaction figures.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFlow, simulate, type FlowEvent, type HistoryRecord } from '../../engine/index.ts';
import { demoAccount } from '../../server/host/seed.ts';
import type { Role } from '../../server/store/types.ts';
import { errorOf, startTestServer, type Client, type TestServer } from './harness.ts';

const FLOWS = join(import.meta.dirname, '..', '..', 'flows');
const SERVICE_FLOWS = ['social-assistance', 'proxy-service', 'grid-incident', 'one-matter-one-discussion'] as const;

interface Run {
  flow: string;
  events: FlowEvent[];
  expect: { final: string };
}
const loadRun = (name: string): Run => JSON.parse(readFileSync(join(FLOWS, 'runs', name), 'utf8')) as Run;
const flowJson = (id: string) => JSON.parse(readFileSync(join(FLOWS, `${id}.flow.json`), 'utf8'));
const runsOf = (flowId: string) => readdirSync(join(FLOWS, 'runs')).filter((f) => f.startsWith(`${flowId}.`) && f.endsWith('.run.json')).sort();

let s: TestServer;
const played: string[] = [];

// A person keeps their session until it ends (idle or absolute limit, server time), then signs in again.
const as = (username: string): Promise<Client> => s.person(username);

/** Replaces, anywhere in a payload, the run's actor ids by the demo users' ids (first-contact owner fields). */
function mapIds(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => mapIds(v, ids));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapIds(v, ids)]));
  return value;
}

interface Played {
  id: string;
  run: Run;
  history: HistoryRecord[];
}

/**
 * Plays a golden run in a village through the API. A person's event is sent by the demo user who
 * holds the actor's role there (for an actor with several roles, one that may act in the current
 * step); a TIMER event is the scheduler's tick at the run's time, which must deliver that very timer.
 * `after(i)` runs once event i is accepted.
 */
async function play(runName: string, villageId: string, after?: (i: number, id: string) => Promise<void>): Promise<Played> {
  const run = loadRun(runName);
  const flowId = run.flow.replace(/\.flow\.json$/, '');
  const flow = flowJson(flowId);
  const ids = new Map<string, string>();
  for (const e of run.events) if (e.actor.id !== 'system') ids.set(e.actor.id, demoAccount(e.actor.roles[0] as Role, villageId).id);
  let id = '';
  let seq = 0;
  let state = flow.initial as string;
  for (const [i, e] of run.events.entries()) {
    s.clock.set(e.at);
    if (e.type === 'TIMER') {
      await s.scheduler.tick();
      const instance = (await s.runtime.store.getInstance(id))!;
      expect(instance.seq, `${runName} #${i}: the scheduler delivers ${String(e.payload!.timer)}`).toBe(seq + 1);
      const last = (await s.store.history(id)).at(-1)!;
      expect(last).toMatchObject({ type: 'TIMER', payload: { timer: e.payload!.timer }, actor: { id: 'system' } });
      seq = instance.seq;
      state = instance.state;
    } else {
      const stateConfig = flow.states[state] ?? {};
      const options = [stateConfig.on?.[e.type]].flat().flatMap((t: unknown) => (t && typeof t === 'object' && 'roles' in t ? (t.roles as string[]) : []));
      const role = (e.actor.roles.find((r) => stateConfig.roles?.includes(r) || options.includes(r)) ?? e.actor.roles[0]) as Role;
      const user = demoAccount(role, villageId);
      const client = await as(user.username);
      const payload = mapIds(e.payload ?? {}, ids) as Record<string, unknown>;
      // The agent names the villager's account, so the villager reads their service and may rate it
      // (a villager acts on their own matters only). The runs leave it out: they name no accounts.
      if (flowId === 'proxy-service' && state === 'registration' && e.type === 'SUBMIT') payload.villager_account = demoAccount('villager', villageId).username;
      if (e.type === 'START') {
        const data = payload.data as Record<string, unknown> | undefined;
        const started = await client.instances.start.mutate({ villageId, flowId, title: `${runName} ${villageId}`, ...(data ? { data } : {}) });
        id = started.id;
        seq = started.seq;
        state = started.state;
        played.push(id);
      } else {
        const sent = await client.instances.send.mutate({ id, seq, type: e.type, payload });
        expect(sent.seq, `${runName} #${i} ${e.type}`).toBe(seq + 1);
        seq = sent.seq;
        state = sent.state;
      }
    }
    await after?.(i, id);
  }
  return { id, run, history: await s.store.history(id) };
}

/** The states the engine itself takes the golden run through. */
function goldenStates(run: Run): string[] {
  return simulate(compileFlow(flowJson(run.flow.replace(/\.flow\.json$/, ''))), run.events).map((r) => r.record.state);
}

async function overview() {
  return (await as('qs.admin')).stats.overview.query();
}
const village = (o: Awaited<ReturnType<typeof overview>>, id: string) => o.villages.find((v) => v.id === id)!;

beforeAll(async () => {
  s = await startTestServer({ start: '2026-03-02T01:00:00.000Z' });
});
afterAll(async () => {
  await s?.close();
});

describe.each(SERVICE_FLOWS)('%s: every golden run over HTTP', (flowId) => {
  it.each(runsOf(flowId))('%s', async (runName) => {
    const { run, history, id } = await play(runName, 'nanwan');
    expect(history.map((r) => r.type)).toEqual(run.events.map((e) => e.type));
    expect(history.map((r) => r.state)).toEqual(goldenStates(run));
    const instance = (await (await as('qs.auditor')).instances.get.query({ id })).instance;
    expect(instance).toMatchObject({ state: run.expect.final, status: 'done' });
  });
});

describe('低保: a public notice, an objection, an overdue confirmation', () => {
  it('an objection during the 7-day notice takes it off the board and sends the case back to investigation; the county deadline flags it overdue', async () => {
    const before = await overview();
    const checks: string[] = [];
    const { id } = await play('social-assistance.approved-appraisal-objection.run.json', 'dongping', async (i, id) => {
      if (i === 8) {
        // The township's opinion puts the case on the village board for 7 days.
        const board = await s.anonymous().board.village.query({ villageId: 'dongping' });
        expect(board.current.some((n) => n.instanceId === id && n.stepTitle.zh === '村内公示')).toBe(true);
        checks.push('posted');
      }
      if (i === 9) {
        // The objector read the notice on the board, not the file: to them the case does not exist.
        expect((await errorOf((await as('dongping.villager')).instances.get.query({ id }))).code).toBe('NOT_FOUND');
        const seen = await (await as('dongping.committee')).instances.get.query({ id });
        expect(seen.instance.state).toBe('investigation');
        expect(seen.objections).toEqual([expect.objectContaining({ state: 'public_notice', by: 'dongping-villager', reason: expect.stringContaining('女婿') })]);
        const board = await s.anonymous().board.village.query({ villageId: 'dongping' });
        expect(board.current.some((n) => n.instanceId === id)).toBe(false);
        expect(board.past.some((n) => n.instanceId === id && n.state === 'public_notice')).toBe(true);
        // Back at investigation, the caseworker has the case again.
        expect((await (await as('qs.caseworker')).tasks.inbox.query()).some((t) => t.instanceId === id && t.state === 'investigation')).toBe(true);
        checks.push('objected');
      }
      if (i === 13) {
        // County confirmation passed its 10 working days: the step stays and is flagged overdue.
        const history = await (await as('qs.auditor')).audit.history.query({ id });
        expect(history.at(-1)).toMatchObject({ type: 'TIMER', state: 'county_confirmation', payload: { timer: 'county_confirmation:deadline' } });
        // Overdue steps come first in the inbox.
        const inbox = await (await as('qs.county')).tasks.inbox.query();
        const at = inbox.findIndex((t) => t.instanceId === id);
        expect(inbox[at]).toMatchObject({ state: 'county_confirmation', overdue: true });
        expect(inbox.slice(0, at).every((t) => t.overdue)).toBe(true);
        // The overview counts it among the village's overdue matters (other instances' timers fire on the same ticks).
        const overdue = await (await as('qs.admin')).instances.list.query({ villageId: 'dongping', status: 'active', overdue: true });
        expect(overdue.map((x) => x.id)).toContain(id);
        expect(village(await overview(), 'dongping').overdue).toBe(overdue.length);
        checks.push('overdue');
      }
    });
    expect(checks).toEqual(['posted', 'objected', 'overdue']);
    const overdue = await (await as('qs.admin')).instances.list.query({ villageId: 'dongping', status: 'active', overdue: true });
    expect(overdue.map((x) => x.id)).not.toContain(id);
    expect(village(await overview(), 'dongping').done).toBe(village(before, 'dongping').done + 1);
  });

  it('only villagers and their representatives object; an objection needs a reason and changes nothing without one', async () => {
    let checked = false;
    await play('social-assistance.approved-appraisal-objection.run.json', 'xiling', async (i, id) => {
      if (i !== 8) return;
      const seq = (await s.runtime.store.getInstance(id))!.seq;
      // The committee member handling the case reads it but may not object to its own notice; the
      // clerk takes no part in 低保: to them the case does not exist.
      const committee = await errorOf((await as('xiling.committee')).instances.send.mutate({ id, seq, type: 'OBJECT', payload: { reason: '有意见' } }));
      expect(committee.data.engineCode).toBe('ROLE_FORBIDDEN');
      const clerk = await errorOf((await as('xiling.clerk')).instances.send.mutate({ id, seq, type: 'OBJECT', payload: { reason: '有意见' } }));
      expect(clerk.code).toBe('NOT_FOUND');
      const empty = await errorOf((await as('xiling.villager')).instances.send.mutate({ id, seq, type: 'OBJECT', payload: {} }));
      expect(empty.data.engineCode).toBe('FORM_INVALID');
      expect((await s.runtime.store.getInstance(id))!).toMatchObject({ seq, state: 'public_notice' });
      checked = true;
    });
    expect(checked).toBe(true);
  });
});

describe('代办: supervision when overdue, first-contact ownership, ratings', () => {
  it('past the promised handling time the scheduler escalates to the township supervisor (督办), in the history and the inbox', async () => {
    let checked = false;
    await play('proxy-service.overdue-supervision-national-day.run.json', 'dongping', async (i, id) => {
      if (i === 3) {
        // Forwarded on 9-29: five working days across the National Day holiday end on 10-12.
        const task = (await (await as('qs.officer')).tasks.inbox.query()).find((t) => t.instanceId === id)!;
        expect(task).toMatchObject({ state: 'handling', due: '2026-10-12T02:00:00.000Z', overdue: false });
      }
      if (i !== 4) return;
      const history = await (await as('dongping.agent')).audit.history.query({ id });
      expect(history.at(-1)).toMatchObject({ type: 'TIMER', actor: { id: 'system', role: 'system' }, state: 'supervision', payload: { timer: 'handling:deadline' } });
      expect((await (await as('qs.centre')).tasks.inbox.query()).some((t) => t.instanceId === id && t.state === 'supervision')).toBe(true);
      expect((await (await as('qs.officer')).tasks.inbox.query()).some((t) => t.instanceId === id)).toBe(false);
      checked = true;
    });
    expect(checked).toBe(true);
  });

  it('the case belongs to the agent who registered it: another agent cannot register it as theirs', async () => {
    s.clock.set('2026-06-01T09:00:00+08:00');
    const started = await (await as('xiling.agent')).instances.start.mutate({ villageId: 'xiling', flowId: 'proxy-service' });
    played.push(started.id);
    const run = loadRun('proxy-service.happy-path-rating.run.json');
    const registration = { ...run.events[1]!.payload, owner_staff_id: 'dongping-agent' };
    const refused = await errorOf((await as('xiling.agent')).instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: registration }));
    expect(refused.data.engineCode).toBe('GUARD_REJECTED');
    const ok = await (await as('xiling.agent')).instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: { ...registration, owner_staff_id: 'xiling-agent' } });
    expect(ok.state).toBe('materials_check');
    // The matter page reads the owner's account by name (server/org/names.ts), as it reads who decided.
    expect((await (await as('xiling.agent')).instances.get.query({ id: started.id })).names).toEqual({ 'xiling-agent': '西岭村便民服务站代办员' });
  });

  it("a villager's rating moves the village's and the township's satisfaction figures", async () => {
    const rates = async () => {
      const o = await overview();
      return { xiling: o.service.villages.find((v) => v.id === 'xiling')!, township: o.service.township };
    };
    const before = await rates();
    // Rated 5: satisfied, finished on time.
    await play('proxy-service.happy-path-rating.run.json', 'xiling');
    const good = await rates();
    expect(good.xiling).toMatchObject({ started: before.xiling.started + 1, done: before.xiling.done + 1, rated: before.xiling.rated + 1, satisfied: before.xiling.satisfied + 1 });
    expect(good.township.satisfied).toBe(before.township.satisfied + 1);
    // Rated 2 after supervision: rated but not satisfied, and late.
    await play('proxy-service.overdue-supervision-national-day.run.json', 'xiling');
    const poor = await rates();
    expect(poor.xiling).toMatchObject({ started: good.xiling.started + 1, rated: good.xiling.rated + 1, satisfied: good.xiling.satisfied, onTime: good.xiling.onTime });
    expect(poor.xiling.satisfaction).toBeCloseTo(poor.xiling.satisfied / poor.xiling.rated, 10);
    expect(poor.xiling.satisfaction!).toBeLessThan(good.xiling.satisfaction!);
    // Not rated within 7 days: closed, counted as done but not as rated.
    await play('proxy-service.unrated.run.json', 'xiling');
    const unrated = await rates();
    expect(unrated.xiling).toMatchObject({ started: poor.xiling.started + 1, done: poor.xiling.done + 1, rated: poor.xiling.rated });
  });
});

describe('网格 and 一事一议: deadlines', () => {
  it('a grid incident not handled within 3 days goes to the grid office for supervision', async () => {
    const run = loadRun('grid-incident.overdue-escalation.run.json');
    const timerAt = run.events.findIndex((e) => e.type === 'TIMER' && e.payload?.timer === 'handling:deadline');
    expect(timerAt).toBeGreaterThan(0);
    let checked = false;
    await play('grid-incident.overdue-escalation.run.json', 'xiling', async (i, id) => {
      if (i !== timerAt) return;
      const history = await (await as('xiling.gridlead')).audit.history.query({ id });
      expect(history.at(-1)).toMatchObject({ type: 'TIMER', state: 'overdue_supervision' });
      expect((await (await as('qs.gridoffice')).tasks.inbox.query()).some((t) => t.instanceId === id && t.state === 'overdue_supervision')).toBe(true);
      checked = true;
    });
    expect(checked).toBe(true);
  });

  it('a county review past its 7 working days is flagged overdue and can still be decided', async () => {
    const run = loadRun('one-matter-one-discussion.completed-with-objections.run.json');
    const atCounty = run.events.findIndex((e) => e.type === 'APPROVE' && e.actor.roles.includes('township_reviewer'));
    // Play up to the township's approval, then let the county's deadline pass.
    const start = Date.parse(run.events[atCounty]!.at);
    let id = '';
    await play('one-matter-one-discussion.completed-with-objections.run.json', 'xiling', async (i, instanceId) => {
      id = instanceId;
      if (i === atCounty) throw new StopPlaying();
    }).catch((e: unknown) => {
      if (!(e instanceof StopPlaying)) throw e;
    });
    expect((await s.runtime.store.getInstance(id))!.state).toBe('county_review');
    // 7 working days later, plus a day: the scheduler flags the step.
    s.clock.set(new Date(start + 12 * 86400_000));
    await s.scheduler.tick();
    const inbox = await (await as('qs.county')).tasks.inbox.query();
    expect(inbox.find((t) => t.instanceId === id)).toMatchObject({ state: 'county_review', overdue: true });
    expect((await s.store.history(id)).at(-1)).toMatchObject({ type: 'TIMER', state: 'county_review', payload: { timer: 'county_review:deadline' } });
    const instance = (await s.runtime.store.getInstance(id))!;
    const approved = await (await as('qs.county')).instances.send.mutate({ id, seq: instance.seq, type: 'APPROVE', payload: { opinion: '同意。' } });
    expect(approved.state).toBe('publication');
    expect((await (await as('qs.county')).tasks.inbox.query()).some((t) => t.instanceId === id)).toBe(false);
  });
});

class StopPlaying extends Error {}

describe('the audit trail', () => {
  it('the audit log names each published flow version by its title, the id and version beside it', async () => {
    const log = await (await as('qs.auditor')).audit.log.query({ limit: 1000 });
    const published = log.find((e) => e.action === 'flow.publish' && e.target.startsWith('proxy-service@'))!;
    expect(published.targetName).toBe(`便民服务代办 ${published.target.split('@')[1]}`);
  });

  it("every played instance's chain verifies", async () => {
    expect(played.length).toBeGreaterThan(20);
    const auditor = await as('qs.auditor');
    for (const id of played) expect(await auditor.audit.verify.query({ id }), id).toMatchObject({ ok: true });
  });
});
