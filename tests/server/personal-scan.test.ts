// Need-to-know at the data level (docs/personal-data.md): every procedure of the API, called over
// HTTP by demo users of several roles with every input the demo township offers (each instance,
// version, village, catalogue item) and with bad input for each mutation, answers without a single
// seeded ID number or phone number in its response body, and the server's log carries none either.
// The secrets are taken from the golden runs the seed replays. The exceptions are by design: a
// role the flow names pressing "show" (personal.reveal), which is checked to return the value (so
// this scan would see one) and is otherwise called by roles without the right; and the person a
// matter is about reading their own values in it, and only those.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../server/routers/_app.ts';
import { createLogger } from '../../server/log.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { startTestServer, type TestServer } from './harness.ts';

const RUNS = join(import.meta.dirname, '..', '..', 'flows', 'runs');
const SEED = readFileSync(join(import.meta.dirname, '..', '..', 'server', 'host', 'seed.ts'), 'utf8');

/** The ID numbers and mobile numbers in the golden runs the seed replays (named in server/host/seed.ts, or service runs). */
function seededSecrets(): string[] {
  const runs = readdirSync(RUNS).filter((f) => SEED.includes(f));
  expect(runs).toContain('social-assistance.approved-appraisal-objection.run.json');
  const text = runs.map((f) => readFileSync(join(RUNS, f), 'utf8')).join('\n');
  return [...new Set([...text.matchAll(/\b[1-9]\d{16}[\dX]\b|\b1[3-9]\d{9}\b/g)].map((m) => m[0]))];
}
const SECRETS = seededSecrets();

let s: TestServer;
const logs: string[] = [];
beforeAll(async () => {
  s = await startTestServer({ logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } }) });
});
afterAll(async () => {
  await s?.close();
});

/** The secrets a text contains. */
const leaks = (text: string) => SECRETS.filter((secret) => text.includes(secret));

async function signIn(username: string): Promise<string> {
  const res = await fetch(`${s.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-villageflow': '1' }, body: JSON.stringify({ username, password: DEMO_PASSWORD }) });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** One call as the browser makes it; the raw response body. */
async function call(cookie: string, path: string, type: 'query' | 'mutation', input: unknown): Promise<string> {
  const headers = { cookie, 'x-villageflow': '1', 'content-type': 'application/json' };
  const res =
    type === 'query'
      ? await fetch(`${s.url}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`, { headers })
      : await fetch(`${s.url}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input ?? {}) });
  return res.text();
}

describe('no response to a role without the right carries a personal value', () => {
  it('scans every procedure for the demo users of several roles', async () => {
    expect(SECRETS.length).toBeGreaterThan(8);
    expect(SECRETS).toEqual(expect.arrayContaining(['410323196805124521', '13837912345']));
    const store = s.store;
    const instances = (await store.listInstances({ townshipId: 'qingshan', limit: 500 })).map((i) => ({ id: i.id, seq: i.seq }));
    const versions = (await store.listFlowVersions('qingshan')).map((v) => v.id);
    const villages = (await store.listVillages('qingshan')).map((v) => v.id);
    const items = (await store.listCatalogue('qingshan')).map((i) => i.id);
    const commitments = (await Promise.all(instances.map(async (i) => (await store.personalValues(i.id)).map((v) => ({ id: i.id, commitment: v.commitment }))))).flat();
    expect(commitments.length).toBeGreaterThan(20);
    // The values are there to leak: the store holds every secret the scan looks for.
    const held = JSON.stringify(commitments.length && (await Promise.all(instances.map((i) => store.personalValues(i.id)))));
    expect(leaks(held).length).toBeGreaterThan(0);

    const secret = '410323196805124521';
    const dibao = instances.find((i) => i.id === 'demo-dongping-dibao')!;
    /**
     * Every procedure's inputs: what the demo township offers, and for mutations bad input that
     * changes nothing. Personal values are sent only where they belong (a form's personal fields):
     * an error must not echo them; other bad input may be echoed, it is the caller's own.
     */
    // A sheet of people with one row a preview refuses (no such village): the commit adds nobody.
    const SHEET = { kind: 'csv', base64: Buffer.from('姓名,手机号,村,角色\n王示例,13800000000,无此村,村民\n').toString('base64') };
    const inputs: Record<string, unknown[]> = {
      'auth.login': [{ username: 'qs.admin', password: 'wrong password' }],
      'auth.logout': [],
      'auth.me': [undefined],
      'auth.changePassword': [{ current: 'wrong password', next: 'short' }],
      'org.villages': [undefined],
      'org.users': [undefined],
      'org.createUser': [{ username: 'x', displayName: 'nobody', password: 'short', roles: [] }],
      'org.setRoles': [{ userId: 'nobody', roles: [] }],
      'org.resetPassword': [{ userId: 'nobody', password: 'a long enough password' }],
      'org.names': instances.map(({ id }) => ({ instanceId: id })),
      'org.updateUser': [{ userId: 'nobody', displayName: 'nobody' }],
      'org.setActive': [{ userId: 'nobody', active: false }],
      'org.allVillages': [undefined],
      'org.createVillage': [{ name: '', kind: 'village' }],
      'org.renameVillage': [{ villageId: 'nowhere', name: 'nowhere' }],
      'org.setVillageArchived': [{ villageId: 'nowhere', archived: true }],
      'org.setupStatus': [{ token: 'nope' }],
      'org.setup': [{ token: 'nope', townshipName: 'nope', username: 'nope.admin', displayName: 'nope', password: 'Nope-nope-2026' }],
      'auth.signIns': [undefined],
      'org.importTemplate': [undefined],
      'org.importPreview': [{ file: SHEET }],
      'org.importCommit': [{ file: SHEET, fileName: 'people.csv' }],
      'org.exportPeople': [undefined],
      'org.exportPeopleXlsx': [undefined],
      'roles.list': [undefined],
      'roles.add': [{ key: 'Bad Key', label: { zh: '', en: '' }, scope: 'village' }],
      'roles.setLabel': [{ key: 'nope', label: { zh: 'nope', en: 'nope' } }],
      'rosters.bodies': villages.map((villageId) => ({ villageId })),
      'rosters.ofMatter': instances.map(({ id }) => ({ instanceId: id })),
      'rosters.snapshot': [{ hash: 'a'.repeat(64) }],
      'rosters.setProbationary': [{ userId: 'nobody', villageId: 'nowhere', role: 'party_member', probationary: true }],
      'rosters.registerCount': [{ villageId: 'nowhere', role: 'villager', count: 1, effectiveFrom: '2026-01-01', source: 'nope' }],
      'flows.list': [undefined, {}],
      'flows.get': versions.map((id) => ({ id })),
      'flows.validate': [{ json: JSON.stringify({ id: 'nope' }) }],
      'flows.saveDraft': [{ json: 'not json' }],
      'flows.publish': [{ id: -1 }],
      'flows.setVillages': [{ flowId: 'nope', villageIds: ['nowhere'] }],
      'flows.forVillage': villages.map((villageId) => ({ villageId })),
      'instances.start': [{ villageId: 'nowhere', flowId: 'social-assistance' }],
      'instances.get': instances.map(({ id }) => ({ id })),
      'instances.send': [
        ...instances.map(({ id }) => ({ id, seq: 100_000, type: 'SUBMIT', payload: { id_number: secret } })),
        { id: dibao.id, seq: dibao.seq, type: 'SUBMIT', payload: { id_number: secret, phone: '13837912345' } },
        { id: dibao.id, seq: dibao.seq, type: 'APPROVE', payload: { reason: secret, extra: secret } },
      ],
      'instances.list': [{}, { status: 'done' }, { flowId: 'social-assistance' }],
      'tasks.inbox': [undefined],
      'audit.history': instances.map(({ id }) => ({ id })),
      'audit.replay': instances.map(({ id }) => ({ id })),
      'audit.verify': instances.map(({ id }) => ({ id })),
      'audit.export': instances.map(({ id }) => ({ id })),
      'audit.log': [undefined, { limit: 1000 }],
      'board.villages': [{ townshipId: 'qingshan' }],
      'board.village': villages.map((villageId) => ({ villageId })),
      'board.object': [{ instanceId: 'nope', reason: 'nope' }],
      'stats.overview': [undefined],
      'stats.exportCsv': [undefined],
      'catalogue.list': [undefined],
      'catalogue.get': items.map((id) => ({ id })),
      'catalogue.upsert': [{ code: 'nope' }],
      'catalogue.delete': [{ id: 'nope' }],
      'catalogue.start': [{ itemId: 'nope', villageId: 'dongping', subject: 'nope' }],
      'catalogue.exportCsv': [undefined],
      'catalogue.importCsv': [{ csv: 'code,name\nnope,nope' }],
      'migrations.plan': versions.map((toVersionId) => ({ toVersionId })),
      'migrations.migrate': [{ instanceId: dibao.id, seq: 100_000, toVersionId: -1, reason: 'nope' }],
      'calendar.years': [undefined],
      'calendar.show': [{ year: 2026 }, { year: 2027 }],
      'calendar.preview': [{ year: { year: 3000 } }],
      'calendar.adopt': [{ year: { year: 3000 } }],
      'personal.reveal': commitments,
      // Every matter is still running or within its retention period, or keeps no personal values.
      'personal.erase': instances.map(({ id }) => ({ id })),
    };
    const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: { type: 'query' | 'mutation' } }> } })._def.procedures;
    // A procedure added later must be added here too.
    expect(Object.keys(procedures).filter((p) => !(p in inputs))).toEqual([]);

    const users = ['qs.admin', 'qs.auditor', 'qs.reviewer', 'qs.county', 'dongping.committee', 'dongping.villager', 'dongping.agent', 'xiling.secretary'];
    let calls = 0;
    let revealed = 0;
    let ownSeen = 0;
    for (const username of users) {
      const cookie = await signIn(username);
      // Which matters this user may press "show" on, as instances.get says (called before personal.reveal).
      const mayReveal = new Set<string>();
      // The matters this user is the subject of, with their own values (shown to them unmasked).
      const own = new Map<string, string[]>();
      for (const [path, list] of Object.entries(inputs)) {
        for (const input of list) {
          const body = await call(cookie, path, procedures[path]!._def.type, input);
          calls++;
          const id = (input as { id?: string } | undefined)?.id;
          const got = path === 'instances.get' ? (JSON.parse(body) as { result?: { data?: { canReveal?: boolean; readAs?: string } } }).result?.data : undefined;
          if (got?.canReveal) mayReveal.add(id!);
          if (got?.readAs === 'subject') own.set(id!, leaks(JSON.stringify(await store.personalValues(id!))));
          const theirs = (id && own.get(id)) || [];
          ownSeen += leaks(body).filter((v) => theirs.includes(v)).length;
          if (path === 'personal.reveal' && mayReveal.has(id!)) {
            revealed++;
            continue; // the right the flow gives: the value, and an audit entry (tests/server/personal.test.ts)
          }
          const others = leaks(body).filter((v) => !theirs.includes(v));
          if (others.length) throw new Error(`${username} ${path} ${JSON.stringify(input).slice(0, 120)}: the response carries ${others.length} personal value(s)`);
        }
      }
    }
    expect(calls).toBeGreaterThan(1000);
    // dongping.villager, the subject of the 代办 matter the agent registered for them, read their own values.
    expect(ownSeen).toBeGreaterThan(0);
    // The 低保 reviewers (township and county) may reveal its values, the station agent those of
    // their village's 代办 matter, and nobody else here.
    expect(revealed).toBe(2 * (await store.personalValues(dibao.id)).length + (await store.personalValues('demo-dongping-pension')).length);
    // Nothing was changed by the bad input: the 低保 matter is where it was.
    expect((await store.getInstance(dibao.id))!.seq).toBe(dibao.seq);

    // The one exception, by design: a role the flow names presses "show" and gets the value (and
    // the scan above would have seen it).
    const caseworker = await signIn('qs.caseworker');
    const own = (await store.personalValues(dibao.id)).find((v) => v.pointer === '/id_number')!;
    expect(leaks(await call(caseworker, 'personal.reveal', 'mutation', { id: dibao.id, commitment: own.commitment }))).toEqual([secret]);

    // The request log, at debug level, carries no value either (inputs of refused calls included).
    expect(logs.length).toBeGreaterThan(calls);
    expect(leaks(logs.join('\n'))).toEqual([]);
  }, 600_000);
});
