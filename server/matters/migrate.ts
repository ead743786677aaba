// Migrating running instances to another published version of their flow (township admins only):
// the plan for every running instance (where it would land, what stands in the way), and the
// migration itself as a MIGRATE record appended with the move to the new version in one
// transaction. Also: the flow versions a chain has run on, which replay, verify and export need.
import { MIGRATE, migrate, migrationEvent, openSteps, planMigration, type CompiledFlow, type FlowRef, type HistoryRecord, type MigrationProblem } from '../../engine/index.ts';
import { InvalidInputError } from '../errors.ts';
import type { Runtime } from './runtime.ts';
import { actingRoles } from '../access/scope.ts';
import { ConflictError, type FlowVersion, type Instance, type User } from '../store/types.ts';

/** Every version a chain has run on, oldest first: the one it started on and each it moved to. */
export async function chainVersions(runtime: Runtime, instance: Instance, records: HistoryRecord[]): Promise<FlowVersion[]> {
  const hashes = records.flatMap((r, i) => {
    const ref = (i === 0 ? r.payload?.flow : r.type === MIGRATE ? r.payload?.to : undefined) as Partial<FlowRef> | undefined;
    return typeof ref?.hash === 'string' ? [ref.hash] : [];
  });
  const current = (await runtime.store.getFlowVersion(instance.flowVersionId))!;
  if (hashes.every((h) => h === current.hash)) return [current];
  const versions = await runtime.store.listFlowVersions(instance.townshipId, instance.flowId);
  // A hash no version has is left out: verify then names the record that needs it.
  const found = [...new Set(hashes)].map((h) => versions.find((v) => v.hash === h && v.status === 'published') ?? versions.find((v) => v.hash === h));
  return found.filter((v): v is FlowVersion => v !== undefined);
}

/** The compiled versions of chainVersions, for engine replay and verify. */
export async function chainFlows(runtime: Runtime, instance: Instance, records: HistoryRecord[]): Promise<CompiledFlow[]> {
  return Promise.all((await chainVersions(runtime, instance, records)).map((v) => runtime.compiled(v.id)));
}

async function target(runtime: Runtime, user: User, toVersionId: number): Promise<FlowVersion> {
  const to = await runtime.store.getFlowVersion(toVersionId);
  if (!to || to.townshipId !== user.townshipId) throw new InvalidInputError(`flow version ${toVersionId} is not in this township`, [{ pointer: '/toVersionId', message: 'unknown version' }]);
  if (to.status !== 'published') throw new InvalidInputError(`${to.flowId} ${to.version} is a draft; instances move only to a published version`, [{ pointer: '/toVersionId', message: 'not published' }]);
  return to;
}

export interface PlannedInstance {
  id: string;
  title: string;
  village: { id: string; name: string };
  flowVersionId: number;
  version: string;
  state: string;
  seq: number;
  landing: string | null;
  defaultLanding: string | null;
  problems: MigrationProblem[];
}

/**
 * Every running instance of the flow on another version than `toVersionId` (or on `fromVersionId`
 * only), with where it would land — `landings[instanceId]` when the admin chose one — and why not.
 */
export async function migrationPlan(runtime: Runtime, user: User, input: { toVersionId: number; fromVersionId?: number; landings?: Record<string, string> }) {
  const to = await target(runtime, user, input.toVersionId);
  const toFlow = await runtime.compiled(to.id);
  const { store } = runtime;
  const versions = new Map((await store.listFlowVersions(user.townshipId, to.flowId)).map((v) => [v.id, v]));
  if (input.fromVersionId !== undefined && !versions.has(input.fromVersionId)) {
    throw new InvalidInputError(`flow version ${input.fromVersionId} is not a version of ${to.flowId} in this township`, [{ pointer: '/fromVersionId', message: 'unknown version' }]);
  }
  const all = await store.listVillages(user.townshipId);
  const villages = new Map(all.map((v) => [v.id, v]));
  // The running instances the user may read (server/access/readRule.ts): for a township admin, all of them.
  const read = await runtime.readScope(user, all);
  const running: Instance[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await store.listInstances({ townshipId: user.townshipId, villageIds: read.villageIds, read, flowId: to.flowId, status: 'active', limit: 500, offset });
    running.push(...page.filter((i) => i.flowVersionId !== to.id && (input.fromVersionId === undefined || i.flowVersionId === input.fromVersionId)));
    if (page.length < 500) break;
  }
  const instances: PlannedInstance[] = [];
  for (const i of running.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))) {
    const plan = planMigration(await runtime.compiled(i.flowVersionId), toFlow, i.snapshot, input.landings?.[i.id]);
    const village = villages.get(i.villageId);
    instances.push({
      id: i.id,
      title: i.title,
      village: { id: i.villageId, name: village?.name ?? i.villageId },
      flowVersionId: i.flowVersionId,
      version: versions.get(i.flowVersionId)?.version ?? String(i.flowVersionId),
      state: i.state,
      seq: i.seq,
      landing: plan.landing,
      defaultLanding: plan.defaultLanding,
      problems: plan.problems,
    });
  }
  return {
    to: { id: to.id, flowId: to.flowId, version: to.version },
    /** The states an instance may be chosen to land in (final states never are). */
    states: [...toFlow.states.values()].filter((s) => s.config.kind !== 'final').map((s) => ({ id: s.id, kind: s.config.kind, title: s.config.title })),
    instances,
  };
}

/** Moves one instance to `toVersionId`, landing in `landing` (default: the same state id). */
export async function migrateInstance(runtime: Runtime, user: User, input: { instanceId: string; seq: number; toVersionId: number; landing?: string; reason?: string }): Promise<Instance> {
  const { instance, village } = await runtime.readable(user, input.instanceId);
  const to = await target(runtime, user, input.toVersionId);
  if (to.flowId !== instance.flowId) throw new InvalidInputError(`${to.flowId} ${to.version} is not a version of this instance's flow ${instance.flowId}`, [{ pointer: '/toVersionId', message: 'another flow' }]);
  if (input.seq !== instance.seq) throw new ConflictError(`instance has moved on (you saw record ${input.seq}, it is at ${instance.seq}); reload and try again`);
  const from = await runtime.compiled(instance.flowVersionId);
  const toFlow = await runtime.compiled(to.id);
  const plan = planMigration(from, toFlow, instance.snapshot, input.landing);
  if (plan.problems.length) {
    throw new InvalidInputError(
      `instance "${instance.title}" cannot move to ${to.flowId} ${to.version}: ${plan.problems.map((p) => p.message).join('; ')}`,
      plan.problems.map((p) => ({ pointer: p.code === 'DATA_INVALID' ? `/data${p.params.pointer === '/' ? '' : p.params.pointer}` : '/landing', message: p.message })),
    );
  }
  const event = migrationEvent(from, toFlow, instance.snapshot, { actor: { id: user.id, roles: actingRoles(user, village) }, at: runtime.now(), landing: plan.landing!, reason: input.reason });
  const step = migrate(from, toFlow, instance.snapshot, event, { calendar: await runtime.calendar(instance.townshipId) });
  await runtime.persistCalendars(instance.townshipId, step);
  await runtime.store.appendEvent({
    instanceId: instance.id,
    expectedSeq: input.seq,
    record: step.record,
    snapshot: step.snapshot,
    effects: step.effects,
    tasks: openSteps(toFlow, step.snapshot),
    flowVersionId: to.id,
  });
  await runtime.store.audit({
    townshipId: instance.townshipId,
    at: step.record.at,
    actorId: user.id,
    action: 'instance.migrate',
    target: instance.id,
    details: { from: `${from.flow.id}@${from.flow.version}`, to: `${to.flowId}@${to.version}`, fromVersionId: instance.flowVersionId, toVersionId: to.id, state: plan.state, landing: plan.landing, seq: step.record.seq, hash: step.record.hash },
  });
  return (await runtime.store.getInstance(instance.id))!;
}
