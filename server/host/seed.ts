// The demo township: three villages, one user per role per village (nine party members, so
// ballots have voters), the bundled flows published, and instances left at different steps by
// replaying the bundled golden runs, shifted so their last step happened just now.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apply, chinaDate, openSteps, start, type FlowEvent, type InstanceSnapshot } from '../../engine/index.ts';
import { hashPassword } from '../access/auth.ts';
import { addPerson, addVillage, createTownship, registerCount, setProbationary } from '../org/organisation.ts';
import { publishBundled } from '../matters/flows.ts';
import { seedCatalogue } from '../matters/catalogue.ts';
import { eventSalt, type Runtime } from '../matters/runtime.ts';
import { recordedSubject } from '../matters/subject.ts';
import { BUILT_IN_ROLES, type CatalogueStart, type Role, type RoleGrant, type Village } from '../store/types.ts';

/** The demo's people hold the built-in roles: the catalogue every township starts with. */
const TOWNSHIP_ROLES = BUILT_IN_ROLES.filter((r) => r.scope === 'township').map((r) => r.key);
const VILLAGE_ROLES = BUILT_IN_ROLES.filter((r) => r.scope === 'village').map((r) => r.key);

export const DEMO_PASSWORD = 'villageflow-demo';
export const DEMO_TOWNSHIP = { id: 'qingshan', name: '青山镇' };
export const DEMO_VILLAGES: Village[] = [
  { id: 'dongping', townshipId: 'qingshan', name: '东坪村', kind: 'village' },
  { id: 'xiling', townshipId: 'qingshan', name: '西岭村', kind: 'village' },
  { id: 'nanwan', townshipId: 'qingshan', name: '南湾社区', kind: 'community' },
];
const SHORT: Record<Role, string> = {
  township_admin: 'admin',
  township_reviewer: 'reviewer',
  auditor: 'auditor',
  party_secretary: 'secretary',
  committee_member: 'committee',
  party_member: 'party',
  villager_representative: 'rep',
  supervisory_member: 'supervisor',
  clerk: 'clerk',
  villager: 'villager',
  township_caseworker: 'caseworker',
  county_reviewer: 'county',
  supervisor: 'centre',
  grid_office: 'gridoffice',
  department_officer: 'officer',
  service_staff: 'agent',
  grid_worker: 'grid',
  grid_leader: 'gridlead',
  handler: 'handler',
  applicant: 'applicant',
};
const NAMES: Record<Role, string> = {
  township_admin: '镇管理员',
  township_reviewer: '镇审核人',
  auditor: '审计员',
  party_secretary: '党组织书记',
  committee_member: '两委委员',
  party_member: '党员',
  villager_representative: '村民代表',
  supervisory_member: '监委会委员',
  clerk: '记录员',
  villager: '村民',
  township_caseworker: '社会救助经办人',
  county_reviewer: '县级审核人',
  supervisor: '便民服务中心督办人',
  grid_office: '网格化服务管理中心',
  department_officer: '承办单位经办人',
  service_staff: '便民服务站代办员',
  grid_worker: '网格员',
  grid_leader: '网格长',
  handler: '处置责任人',
  applicant: '申请人',
};
const PARTY_MEMBERS = 9;
/**
 * How many demo users hold a role in each village (others: one). The bodies that meet have their
 * usual sizes, so meetings recorded against their rosters have real numbers: seven members of the
 * two committees, 33 villagers' representatives; the first of each keeps the plain user name.
 */
const HOLDERS: Partial<Record<Role, number>> = { party_member: PARTY_MEMBERS, committee_member: 7, villager_representative: 33 };
/** Probationary party members (预备党员): they attend the party meeting but do not vote. In 西岭村 only: the tests' ballots are cast in the others. */
const PROBATIONARY = ['xiling-party8', 'xiling-party9'];
/** The villagers' meeting counts its members (adult villagers, no accounts): the registered count, as of the year's register. */
const ADULT_VILLAGERS: Record<string, number> = { dongping: 1268, xiling: 1268, nanwan: 1268 };
const FLOWS_DIR = join(import.meta.dirname, '..', '..', 'flows');
/** The service flows (低保, 代办, 网格, 一事一议), published for every demo village too. */
export const SERVICE_FLOWS = ['social-assistance', 'proxy-service', 'grid-incident', 'one-matter-one-discussion'];

export interface DemoLogin {
  username: string;
  displayName: string;
  role: Role;
  village: string | null;
}

/** Village cadres are party members too, as they nearly always are: they vote in the party meeting (the secretary and the first committee member). */
const ALSO_PARTY_MEMBER = new Set<Role>(['party_secretary', 'committee_member']);
/** The suffix of the n-th demo holder of a role in a village: party members are numbered from 1, others from their second. */
const holderSuffix = (role: Role, n: number) => (role === 'party_member' || n > 1 ? String(n) : '');

function demoUsers(): (DemoLogin & { id: string; grants: RoleGrant[] })[] {
  const users: (DemoLogin & { id: string; grants: RoleGrant[] })[] = [];
  for (const role of TOWNSHIP_ROLES) {
    users.push({ id: `qs-${SHORT[role]}`, username: `qs.${SHORT[role]}`, displayName: `${DEMO_TOWNSHIP.name}${NAMES[role]}`, role, village: null, grants: [{ role, villageId: null }] });
  }
  for (const v of DEMO_VILLAGES) {
    for (const role of VILLAGE_ROLES) {
      const count = HOLDERS[role] ?? 1;
      for (let n = 1; n <= count; n++) {
        const suffix = holderSuffix(role, n);
        const alsoParty = ALSO_PARTY_MEMBER.has(role) && n === 1;
        users.push({ id: `${v.id}-${SHORT[role]}${suffix}`, username: `${v.id}.${SHORT[role]}${suffix}`, displayName: `${v.name}${NAMES[role]}${suffix}`, role, village: v.id, grants: [{ role, villageId: v.id }, ...(alsoParty ? [{ role: 'party_member' as Role, villageId: v.id }] : [])] });
      }
    }
  }
  return users;
}

/** The demo account holding `role` in a village (a township role: the township's), as username and id. */
export function demoAccount(role: Role, villageId: string, n = 1): { username: string; id: string } {
  const township = TOWNSHIP_ROLES.includes(role);
  const suffix = township ? '' : holderSuffix(role, Math.min(Math.max(n, 1), HOLDERS[role] ?? 1));
  const base = township ? `qs.${SHORT[role]}` : `${villageId}.${SHORT[role]}`;
  return { username: `${base}${suffix}`, id: `${base.replace('.', '-')}${suffix}` };
}

/** The logins a newcomer needs: one per role per village (of several holders: the first). */
export function demoLogins(): DemoLogin[] {
  return demoUsers()
    .filter((u) => !/\d$/.test(u.username) || u.username.endsWith('.party1'))
    .map(({ username, displayName, role, village }) => ({ username, displayName, role, village }));
}

interface Run {
  flow: string;
  events: FlowEvent[];
}

/**
 * Replays the first `count` events of a golden run in a village, as that village's users. `about`
 * (a username) is who the matter is about: the run's first SUBMIT names them in the field the
 * flow's `subject` points to, as the service agent would type it, so the demo shows that person
 * reading their own matter (a golden run leaves it out: its people have no accounts).
 */
async function seedRun(runtime: Runtime, id: string, village: Village, runName: string, count: number, endAt: number, titleOf?: string, catalogueStart?: CatalogueStart, about?: string) {
  const run = JSON.parse(readFileSync(join(FLOWS_DIR, 'runs', runName), 'utf8')) as Run;
  const events = run.events.slice(0, count);
  let shift = endAt - Date.parse(events.at(-1)!.at);
  // Each distinct actor of the run becomes a distinct demo user holding the same role.
  const assigned = new Map<string, string>();
  const used = new Map<string, number>();
  const userFor = (e: FlowEvent) => {
    if (e.actor.id === 'system') return e.actor;
    const role = (e.actor.roles.find((r) => r in SHORT) ?? e.actor.roles[0]) as Role;
    if (!assigned.has(e.actor.id)) {
      const n = (used.get(role) ?? 0) + 1;
      used.set(role, n);
      const base = TOWNSHIP_ROLES.includes(role) ? `qs-${SHORT[role]}` : `${village.id}-${SHORT[role]}`;
      assigned.set(e.actor.id, role === 'party_member' ? `${base}${Math.min(n, PARTY_MEMBERS)}` : base);
    }
    return { id: assigned.get(e.actor.id)!, roles: e.actor.roles };
  };
  const flowId = run.flow.replace(/\.flow\.json$/, '');
  const version = (await runtime.store.latestPublished(village.townshipId, flowId))!;
  const compiled = await runtime.compiled(version.id);
  const subjectKey = compiled.flow.subject?.split('/').at(-1);
  if (about !== undefined && subjectKey !== undefined) {
    const i = events.findIndex((e) => e.type === 'SUBMIT');
    events[i] = { ...events[i]!, payload: { ...events[i]!.payload, [subjectKey]: about } };
  }
  const at = (e: FlowEvent) => new Date(Date.parse(e.at) + shift).toISOString();
  // A payload naming a person of the run (a first-contact owner, say) names their demo user instead.
  const people = (value: unknown): unknown => {
    if (typeof value === 'string') return assigned.get(value) ?? value;
    if (Array.isArray(value)) return value.map(people);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, people(v)]));
    return value;
  };
  // A run's fixed salts pin its hashes; the demo draws fresh ones, as a live event does.
  const as = (e: FlowEvent): FlowEvent => {
    const actor = userFor(e);
    const { salt: _fixed, ...rest } = e;
    return { ...rest, actor, at: at(e), ...(e.payload ? { payload: people(e.payload) as Record<string, unknown> } : {}), ...eventSalt(e.type) };
  };
  // Working days do not shift with the dates (weekends and holidays fall elsewhere): a timer the run
  // delivers may not be due yet at its shifted time. Then the whole run moves earlier by the
  // missing days and is tried again, so its end stays at or before endAt.
  // Counted on the township's calendar, as the runtime counts every event.
  const options = { calendar: await runtime.calendar(village.townshipId) };
  for (let tries = 0; ; tries++) {
    let late = 0;
    let dry = start(compiled, as(events[0]!), options);
    for (const e of events.slice(1)) {
      const due = e.type === 'TIMER' ? dry.snapshot.context.timers[String(e.payload?.timer)]?.due : undefined;
      if (due && Date.parse(due) > Date.parse(at(e))) {
        late = Date.parse(due) - Date.parse(at(e));
        break;
      }
      dry = apply(compiled, dry.snapshot, as(e), options);
    }
    if (late === 0) break;
    if (tries === 20) throw new Error(`seed ${id}: ${runName} cannot be shifted to end by ${new Date(endAt).toISOString()}`);
    shift -= Math.ceil(late / 86400_000) * 86400_000;
  }
  const first = events[0]!;
  const subject = run.events.find((e) => e.type === 'SUBMIT')?.payload?.subject;
  const title = titleOf ?? `${village.name}：${typeof subject === 'string' ? subject : compiled.flow.title.zh}`;
  let step = start(compiled, as(first), options);
  await runtime.persistCalendars(village.townshipId, step);
  const tasks = () => openSteps(compiled, step.snapshot);
  // Who the matter is about is recorded with the step that names them (server/matters/subject.ts), as in a
  // live start or send: an applicant who applies, or the person a step's subject field names.
  const subjectOf = async (e: FlowEvent, before: InstanceSnapshot | null) => {
    const actor = userFor(e);
    if (actor.id === 'system') return undefined;
    const user = (await runtime.store.getUser(actor.id))!;
    return recordedSubject(runtime.store, compiled, village, user, before, step.snapshot, await runtime.ownMatterRoles(user));
  };
  const startSubject = await subjectOf(first, null);
  await runtime.store.createInstance(
    { id, villageId: village.id, townshipId: village.townshipId, flowVersionId: version.id, flowId, title, snapshot: step.snapshot, startedBy: userFor(first).id, createdAt: step.record.at },
    { record: step.record, snapshot: step.snapshot, effects: step.effects, tasks: tasks(), ...(step.personal ? { personal: step.personal } : {}), ...(startSubject !== undefined ? { subject: startSubject } : {}) },
    catalogueStart,
  );
  for (const e of events.slice(1)) {
    const before = step.snapshot;
    step = apply(compiled, before, as(e), options);
    await runtime.persistCalendars(village.townshipId, step);
    const subject = await subjectOf(e, before);
    await runtime.store.appendEvent({ instanceId: id, expectedSeq: before.seq, record: step.record, snapshot: step.snapshot, effects: step.effects, tasks: tasks(), ...(step.personal ? { personal: step.personal } : {}), ...(subject !== undefined ? { subject } : {}) });
  }
}

/** Seeds the demo township unless the store already has it. Returns false when it was there. */
export async function seedDemo(runtime: Runtime): Promise<boolean> {
  const { store } = runtime;
  if (await store.getTownship(DEMO_TOWNSHIP.id)) return false;
  const now = runtime.clock().getTime();
  // As a real township is set up: the township and its first admin, then villages and people by
  // that admin (server/org/organisation.ts), each in the audit log.
  // One hash for every demo account: they share the printed demo password anyway.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const at = new Date(now).toISOString();
  const [admin, ...people] = demoUsers();
  await createTownship(store, { id: DEMO_TOWNSHIP.id, name: DEMO_TOWNSHIP.name, admin: { id: admin!.id, username: admin!.username, displayName: admin!.displayName, passwordHash } }, at);
  const actor = { id: admin!.id, townshipId: DEMO_TOWNSHIP.id };
  for (const v of DEMO_VILLAGES) await addVillage(store, actor, v, at);
  for (const u of people) {
    await addPerson(store, actor, { id: u.id, username: u.username, displayName: u.displayName, passwordHash, roles: u.grants, mustChangePassword: false }, at);
  }
  await seedRosters(store, actor, now);
  const villageIds = DEMO_VILLAGES.map((v) => v.id);
  const publishedAt = new Date(now - 60 * 86400_000).toISOString();
  for (const file of ['five-deliberations-two-disclosures.flow.json', 'four-deliberations-two-disclosures.flow.json', ...SERVICE_FLOWS.map((f) => `${f}.flow.json`)]) {
    await publishBundled(store, DEMO_TOWNSHIP.id, readFileSync(join(FLOWS_DIR, file), 'utf8'), 'qs-admin', publishedAt, villageIds);
  }
  const [dongping, xiling, nanwan] = DEMO_VILLAGES as [Village, Village, Village];
  const hoursAgo = (h: number) => now - h * 3600_000;
  const five = 'five-deliberations-two-disclosures.happy-path.run.json';
  const four = 'four-deliberations-two-disclosures.happy-path.run.json';
  await seedRun(runtime, 'demo-dongping-road', dongping, five, 7, hoursAgo(2));
  await seedRun(runtime, 'demo-dongping-pond', dongping, four, 7, hoursAgo(30));
  await seedRun(runtime, 'demo-xiling-square', xiling, five, 13, hoursAgo(5));
  await seedRun(runtime, 'demo-xiling-forest', xiling, 'five-deliberations-two-disclosures.representatives-reject.run.json', 100, hoursAgo(200));
  await seedRun(runtime, 'demo-nanwan-canteen', nanwan, four, 100, hoursAgo(72));
  await seedRun(runtime, 'demo-nanwan-parking', nanwan, five, 1, hoursAgo(1));
  await seedCatalogue(store, DEMO_TOWNSHIP.id, 'qs-admin', new Date(now).toISOString());
  await seedServices(runtime, hoursAgo);
  return true;
}

/** The demo's rosters beyond the people directory: probationary party members, and each village's registered count of adult villagers. */
async function seedRosters(store: Runtime['store'], actor: { id: string; townshipId: string }, now: number) {
  const at = new Date(now).toISOString();
  for (const userId of PROBATIONARY) {
    const villageId = userId.split('-')[0]!;
    await setProbationary(store, actor, { userId, villageId, role: 'party_member', probationary: true }, at);
  }
  // In force from the first of the year the demo's matters began in (60 days back).
  const year = chinaDate(now - 60 * 86400_000).slice(0, 4);
  for (const v of DEMO_VILLAGES) {
    await registerCount(store, actor, { villageId: v.id, role: 'villager', count: ADULT_VILLAGERS[v.id]!, effectiveFrom: `${year}-01-01`, source: `${v.name}${year}年村民名册（年满十八周岁）` }, at);
  }
}

/**
 * Service matters (低保, 代办, 网格, 一事一议): in 东坪村 a pension claim from the catalogue, handled
 * and rated 5, a 低保 case whose public notice drew an objection, now overdue at the county, and a
 * grid incident being handled; in 西岭村 a disability allowance from the catalogue past its promised
 * 10 working days and under supervision (督办); in 南湾社区 a public-works plan at the township.
 */
async function seedServices(runtime: Runtime, hoursAgo: (h: number) => number) {
  const [dongping, xiling, nanwan] = DEMO_VILLAGES as [Village, Village, Village];
  const from = async (itemId: string): Promise<CatalogueStart> => {
    const item = (await runtime.store.getCatalogueItem(itemId))!;
    return { itemId: item.id, itemCode: item.code, itemName: item.name };
  };
  await seedRun(runtime, 'demo-dongping-pension', dongping, 'proxy-service.happy-path-rating.run.json', 100, hoursAgo(20), '城乡居民基本养老保险待遇申领：马德顺', await from('item-pension'), demoAccount('villager', dongping.id).username);
  await seedRun(runtime, 'demo-xiling-disability', xiling, 'proxy-service.catalogue-promise-overdue.run.json', 5, hoursAgo(3), '困难残疾人生活补贴和重度残疾人护理补贴申请：李桂兰', await from('item-disability'), demoAccount('villager', xiling.id).username);
  await seedRun(runtime, 'demo-dongping-dibao', dongping, 'social-assistance.approved-appraisal-objection.run.json', 14, hoursAgo(6), '最低生活保障审核确认：东坪村 QS-2026-0117');
  await seedRun(runtime, 'demo-dongping-grid', dongping, 'grid-incident.village-reopen.run.json', 4, hoursAgo(26), '东坪村：网格事件');
  await seedRun(runtime, 'demo-nanwan-fund', nanwan, 'one-matter-one-discussion.completed-with-objections.run.json', 5, hoursAgo(10), '南湾社区：一事一议筹资筹劳方案');
}
