// Row ↔ object mapping for both stores (column names are snake_case, objects camelCase; a boolean
// column is 0/1 in SQLite, true/false in PostgreSQL).
import type { HistoryRecord, PersonalKind, PersonalValue, SealedBallot } from '../../../engine/index.ts';
import type { AuditEntry, BodyCount, CatalogueItem, CatalogueRole, Disclosure, FlowVersion, Instance, OverviewInstanceRow, Session, StoredPersonalValue, Task, Village } from '../types.ts';

type Row = Record<string, unknown>;

export const village = (r: Row): Village => ({ id: r.id as string, townshipId: r.township_id as string, name: r.name as string, kind: r.kind as Village['kind'], archivedAt: (r.archived_at as string | null) ?? null });

export const catalogueRole = (r: Row): CatalogueRole => ({
  key: r.key as string,
  label: { zh: r.label_zh as string, en: r.label_en as string },
  scope: r.scope as CatalogueRole['scope'],
  builtIn: r.built_in === true || r.built_in === 1,
  ownMatters: r.own_matters === true || r.own_matters === 1,
  createdBy: (r.created_by as string | null) ?? null,
  createdAt: r.created_at as string,
});

export const session = (r: Row): Session => ({
  tokenHash: r.token_hash as string,
  userId: r.user_id as string,
  createdAt: r.created_at as string,
  lastSeenAt: r.last_seen_at as string,
  expiresAt: r.expires_at as string,
});

export const flowVersion = (r: Row): FlowVersion => ({
  id: r.id as number,
  townshipId: r.township_id as string,
  flowId: r.flow_id as string,
  version: r.version as string,
  status: r.status as FlowVersion['status'],
  json: r.json as string,
  hash: r.hash as string,
  title: r.title as string,
  createdBy: r.created_by as string,
  createdAt: r.created_at as string,
  publishedBy: (r.published_by as string | null) ?? null,
  publishedAt: (r.published_at as string | null) ?? null,
});

export const instance = (r: Row): Instance => ({
  id: r.id as string,
  villageId: r.village_id as string,
  townshipId: r.township_id as string,
  flowVersionId: r.flow_version_id as number,
  flowId: r.flow_id as string,
  title: r.title as string,
  state: r.state as string,
  status: r.status as Instance['status'],
  outcome: (r.outcome as Instance['outcome']) ?? null,
  seq: r.seq as number,
  head: r.head as string,
  snapshot: JSON.parse(r.snapshot as string),
  startedBy: r.started_by as string,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

/**
 * An instance whose snapshot (kilobytes of JSON) is parsed when first read. The public board and
 * the inbox load an instance per row for its flow version or step and mostly never read the
 * snapshot; parsing it was most of their time. Reading, spreading or serialising the instance
 * parses it, so callers see a plain Instance.
 */
export function lazyInstance(r: Row): Instance {
  const text = r.snapshot as string;
  const found = instance({ ...r, snapshot: 'null' });
  let parsed: Instance['snapshot'] | undefined;
  Object.defineProperty(found, 'snapshot', {
    enumerable: true,
    configurable: true,
    get: () => (parsed ??= JSON.parse(text) as Instance['snapshot']),
    set: (value: Instance['snapshot']) => void (parsed = value),
  });
  return found;
}

export const record = (r: Row): HistoryRecord => {
  const base = {
    seq: r.seq as number,
    type: r.type as string,
    actor: { id: r.actor_id as string, role: r.role as string },
    at: r.at as string,
    payload: JSON.parse(r.payload as string),
    state: r.state as string,
    prev: (r.prev as string | null) ?? null,
  };
  // The key only when the record has it (null before schema 6 and for records that used no calendar).
  return r.calendars === null || r.calendars === undefined ? { ...base, hash: r.hash as string } : { ...base, calendars: JSON.parse(r.calendars as string) as string[], hash: r.hash as string };
};

export const task = (r: Row): Task => ({
  instanceId: r.instance_id as string,
  villageId: r.village_id as string,
  townshipId: r.township_id as string,
  flowId: r.flow_id as string,
  title: r.title as string,
  state: r.state as string,
  role: r.role as string,
  since: r.since as string,
  due: (r.due as string | null) ?? null,
  overdue: r.overdue === 1 || r.overdue === true,
});

export const disclosure = (r: Row): Disclosure => ({
  id: r.id as number,
  instanceId: r.instance_id as string,
  villageId: r.village_id as string,
  flowId: r.flow_id as string,
  title: r.title as string,
  state: r.state as string,
  from: r.from_at as string,
  until: r.until_at as string,
  endedAt: (r.ended_at as string | null) ?? null,
  items: JSON.parse(r.items as string),
  recordHash: r.record_hash as string,
});

export const audit = (r: Row): AuditEntry => ({
  id: r.id as number,
  townshipId: r.township_id as string,
  at: r.at as string,
  actorId: r.actor_id as string,
  action: r.action as string,
  target: r.target as string,
  details: JSON.parse(r.details as string),
});

export const catalogueItem = (r: Row): CatalogueItem => ({
  id: r.id as string,
  townshipId: r.township_id as string,
  code: r.code as string,
  name: r.name as string,
  type: r.type as string,
  department: r.department as string,
  legalBasis: r.legal_basis as string,
  serviceObject: r.service_object as string,
  conditions: r.conditions as string,
  materials: JSON.parse(r.materials as string),
  promisedDays: r.promised_days as number,
  statutoryDays: r.statutory_days as number,
  fee: r.fee as string,
  mode: r.mode as CatalogueItem['mode'],
  flowId: (r.flow_id as string | null) ?? null,
  updatedBy: r.updated_by as string,
  updatedAt: r.updated_at as string,
});

/**
 * A raw row of the overview's instance query: instance_id, village_id, flow_id, status, item_id,
 * item_code, item_name, score, late, flow_version_id, ms. Booleans come as 0/1 (SQLite) or true/false.
 */
export const overviewInstance =
  (overdue: ReadonlySet<string>) =>
  (r: unknown[]): OverviewInstanceRow => ({
    id: r[0] as string,
    villageId: r[1] as string,
    flowId: r[2] as string,
    status: r[3] as 'active' | 'done',
    itemId: (r[4] as string | null) ?? null,
    itemCode: (r[5] as string | null) ?? null,
    itemName: (r[6] as string | null) ?? null,
    score: typeof r[7] === 'number' ? r[7] : null,
    late: r[8] === 1 || r[8] === true,
    flowVersionId: r[9] as number,
    overdue: overdue.has(r[0] as string),
    ms: typeof r[10] === 'number' ? r[10] : null,
  });

export const personalValue = (r: Row): StoredPersonalValue => ({
  instanceId: r.instance_id as string,
  seq: Number(r.seq),
  pointer: r.pointer as string,
  kind: r.kind as PersonalKind,
  commitment: r.commitment as string,
  value: r.value === null ? null : JSON.parse(r.value as string),
  salt: (r.salt as string | null) ?? null,
  erasedAt: (r.erased_at as string | null) ?? null,
  erasedBy: (r.erased_by as string | null) ?? null,
});

/** The columns of personal_values, in order, for one value a record commits to. */
export const personalColumns = 'instance_id, seq, pointer, kind, commitment, salt, value';
export const personalRow = (instanceId: string, v: PersonalValue): unknown[] => [instanceId, v.seq, v.pointer, v.kind, v.commitment, v.salt, JSON.stringify(v.value)];

/** The rows of instance LEFT JOIN ballot_box (seq, ballot_id, choice), in ballot order: the instance's seq and its box. */
export function ballotBox(found: Row[]): { seq: number; ballots: SealedBallot[] } | null {
  if (found.length === 0) return null;
  const ballots = found.filter((r) => r.ballot_id !== null).map((r) => ({ id: r.ballot_id as string, choice: r.choice as SealedBallot['choice'] }));
  return { seq: Number(found[0]!.seq), ballots };
}

export const bodyCount = (r: Row): BodyCount => ({
  id: Number(r.id),
  townshipId: r.township_id as string,
  villageId: r.village_id as string,
  role: r.role as string,
  count: Number(r.count),
  effectiveFrom: r.effective_from as string,
  source: r.source as string,
  recordedBy: r.recorded_by as string,
  recordedAt: r.recorded_at as string,
});
