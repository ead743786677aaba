// The engine's host: loads an instance, runs the pure engine, and hands the result to the store as
// one transaction. Each flow version is compiled once. Time comes from the injected clock.
import { randomBytes, randomUUID } from 'node:crypto';
import { apply, compileFlow, openSteps, start, type CompiledFlow, type FlowEvent, type StepResult } from '../engine/index.ts';
import type { Clock } from './clock.ts';
import { useNodeCrypto } from './node-crypto.ts';
import { ForbiddenError, InvalidInputError } from './errors.ts';
import { actingRoles, canRead } from './scope.ts';
import { ConflictError, NotFoundError, type Instance, type Store, type User, type Village } from './store/types.ts';

export const SYSTEM_ACTOR = { id: 'system', roles: ['system'] };

/**
 * The salt of a live event that may record personal fields (a SUBMIT): 256 random bits, from which
 * the engine derives each field's commitment salt (docs/personal-data.md). Never stored itself.
 */
export function eventSalt(type: string): { salt?: string } {
  return type === 'SUBMIT' ? { salt: randomBytes(32).toString('hex') } : {};
}

/**
 * The instance as the store holds it once `step` is committed, built from what was written rather
 * than read back: the row's state, status, outcome, seq and head come from the snapshot, and it
 * was updated at the record's time. Fields are listed, not spread, so a lazily parsed snapshot of
 * the instance before is never parsed for this.
 */
function written(before: Omit<Instance, 'state' | 'status' | 'outcome' | 'seq' | 'head' | 'updatedAt'>, step: StepResult): Instance {
  const s = step.snapshot;
  return {
    id: before.id,
    villageId: before.villageId,
    townshipId: before.townshipId,
    flowVersionId: before.flowVersionId,
    flowId: before.flowId,
    title: before.title,
    state: s.state,
    status: s.status,
    outcome: s.outcome,
    seq: s.seq,
    head: s.hash,
    snapshot: s,
    startedBy: before.startedBy,
    createdAt: before.createdAt,
    updatedAt: step.record.at,
  };
}

useNodeCrypto();

export class Runtime {
  private compiledFlows = new Map<number, CompiledFlow>();
  /** Villages are created and never changed or deleted, so once read one is good for any process. */
  private villages = new Map<string, Village>();
  constructor(
    readonly store: Store,
    readonly clock: Clock,
  ) {}

  now(): string {
    return this.clock().toISOString();
  }

  async compiled(flowVersionId: number): Promise<CompiledFlow> {
    let c = this.compiledFlows.get(flowVersionId);
    if (!c) {
      const v = await this.store.getFlowVersion(flowVersionId);
      if (!v) throw new NotFoundError(`flow version ${flowVersionId} does not exist`);
      c = compileFlow(JSON.parse(v.json));
      this.compiledFlows.set(flowVersionId, c);
    }
    return c;
  }

  async village(id: string): Promise<Village> {
    const v = await this.knownVillage(id);
    if (!v) throw new NotFoundError(`village ${id} does not exist`);
    return v;
  }

  private async knownVillage(id: string): Promise<Village | null> {
    let v = this.villages.get(id);
    if (!v) {
      const read = await this.store.getVillage(id);
      if (!read) return null;
      this.villages.set(id, (v = Object.freeze(read)));
    }
    return v;
  }

  /** The instance and its village, if the user may read it; otherwise the same error as missing. */
  async readable(user: User, instanceId: string): Promise<{ instance: Instance; village: Village }> {
    const instance = await this.store.getInstance(instanceId);
    const village = instance && (await this.knownVillage(instance.villageId));
    if (!instance || !village || !canRead(user, village)) throw new NotFoundError(`instance ${instanceId} does not exist`);
    return { instance, village };
  }

  async start(user: User, input: { villageId: string; flowId: string; title?: string; data?: Record<string, unknown> }): Promise<Instance> {
    const village = await this.village(input.villageId);
    if (!canRead(user, village)) throw new ForbiddenError(`you have no role in village ${village.name}`);
    const allowed = await this.store.flowsForVillage(village.id);
    const version = allowed.find((f) => f.flowId === input.flowId);
    if (!version) throw new InvalidInputError(`flow ${input.flowId} is not published for village ${village.name}`);
    const compiled = await this.compiled(version.id);
    const event: FlowEvent = { type: 'START', actor: { id: user.id, roles: actingRoles(user, village) }, at: this.now(), payload: input.data ? { data: input.data } : {} };
    const step = start(compiled, event);
    const id = randomUUID();
    const title = input.title?.trim() || compiled.flow.title.zh;
    const created = { id, villageId: village.id, townshipId: village.townshipId, flowVersionId: version.id, flowId: version.flowId, title, snapshot: step.snapshot, startedBy: user.id, createdAt: step.record.at };
    await this.store.createInstance(created, this.write(compiled, step));
    return written(created, step);
  }

  /** Sends a person's event; `seq` is the sequence number the sender saw (stale → CONFLICT). */
  async send(user: User, input: { instanceId: string; seq: number; type: string; payload?: Record<string, unknown> }): Promise<Instance> {
    const { instance, village } = await this.readable(user, input.instanceId);
    if (input.type === 'TIMER') throw new ForbiddenError('timer events come from the scheduler only');
    const compiled = await this.compiled(instance.flowVersionId);
    if (input.seq !== instance.seq) {
      // Checked before the engine so a stale form is reported as such, not as a rule violation.
      throw new ConflictError(`instance has moved on (you saw record ${input.seq}, it is at ${instance.seq}); reload and try again`);
    }
    const event: FlowEvent = { type: input.type, actor: { id: user.id, roles: actingRoles(user, village) }, at: this.now(), payload: input.payload ?? {}, ...eventSalt(input.type) };
    const step = apply(compiled, instance.snapshot, event);
    await this.store.appendEvent({ instanceId: instance.id, expectedSeq: input.seq, ...this.write(compiled, step) });
    return written(instance, step);
  }

  /** Delivers one due timer. Returns false when it is no longer running (already delivered). */
  async deliverTimer(instanceId: string, timerId: string): Promise<boolean> {
    const instance = await this.store.getInstance(instanceId);
    if (!instance || instance.status === 'done' || !instance.snapshot.context.timers[timerId]) return false;
    const compiled = await this.compiled(instance.flowVersionId);
    const event: FlowEvent = { type: 'TIMER', actor: SYSTEM_ACTOR, at: this.now(), payload: { timer: timerId } };
    const step = apply(compiled, instance.snapshot, event);
    await this.store.appendEvent({ instanceId, expectedSeq: instance.seq, ...this.write(compiled, step) });
    return true;
  }

  private write(compiled: CompiledFlow, step: StepResult) {
    const write = { record: step.record, snapshot: step.snapshot, effects: step.effects, tasks: openSteps(compiled, step.snapshot) };
    return step.personal ? { ...write, personal: step.personal } : write;
  }
}
