// What a reader sees of a matter's personal values (docs/personal-data.md): every commitment in
// what is sent becomes a mask of its value, and the roles the flow names may reveal one value at a
// time, each reveal an audit-log entry. The one place masking happens: every read path that sends
// instance data or history payloads calls personalView with the `as` the read rule gave
// (server/access/readRule.ts, through runtime.readable: the matter may be read at all, and why) and sends
// what its data() (instance data), records() (history records) or mask() (anything else) returns:
// commitments masked, values recorded before their field was marked masked alike, an objection's
// contact masked to those who do not handle it, and to the person the matter is about their own values.
import { addPeriod, isCommitment, labelAt, personalFields, placesOf, replaceAt, type HistoryRecord, type PersonalField, type PersonalKind, type Text } from '../../engine/index.ts';
import { InvalidInputError, ServerRefusal } from '../errors.ts';
import type { ReadAs } from '../access/readRule.ts';
import type { Runtime } from './runtime.ts';
import { actingRoles } from '../access/scope.ts';
import { NotFoundError, type Instance, type StoredPersonalValue, type User, type Village } from '../store/types.ts';

/** A personal value as a reader receives it: the commitment (to ask for a reveal), its kind, and its mask; null once erased. */
export interface MaskedValue {
  $personal: string;
  kind: PersonalKind | null;
  masked: string | null;
}

const HIDDEN = '***';

/** A value as everyone sees it: enough to recognise it on a paper form, not to use it. */
export function maskValue(kind: PersonalKind, value: unknown): string {
  if (typeof value !== 'string') return HIDDEN;
  const chars = [...value];
  const n = chars.length;
  const keep = (head: number, tail: number) => chars.slice(0, head).join('') + '*'.repeat(n - head - tail) + chars.slice(n - tail).join('');
  switch (kind) {
    case 'id':
      return n >= 10 ? keep(4, 4) : HIDDEN;
    case 'contact':
      return n >= 8 ? keep(3, 4) : HIDDEN;
    case 'name':
      return n <= 1 ? '*' : n === 2 ? chars[0] + '*' : keep(1, 1);
    case 'address':
      return n > 3 ? chars.slice(0, 3).join('') + HIDDEN : HIDDEN;
    default:
      return HIDDEN;
  }
}

/**
 * `value` with every commitment replaced by its MaskedValue, or for the person the matter is about
 * (`own`) by the value itself while it is kept: their own data is theirs to see (docs/personal-data.md).
 */
function maskAll(value: unknown, byCommitment: Map<string, StoredPersonalValue>, own: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => maskAll(v, byCommitment, own));
  if (value === null || typeof value !== 'object') return value;
  if (isCommitment(value)) {
    const stored = byCommitment.get(value.$personal);
    if (own && stored && stored.erasedAt === null) return stored.value;
    const masked: MaskedValue = {
      $personal: value.$personal,
      kind: stored?.kind ?? null,
      masked: stored && stored.erasedAt === null ? maskValue(stored.kind, stored.value) : null,
    };
    return masked;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v, byCommitment, own)]));
}

export interface PersonalView {
  /** `value` with every commitment in it replaced by its MaskedValue (or, for the subject, its value). */
  mask<T>(value: T): T;
  /** Instance data as this reader sees it: `mask`, and values recorded before their field was marked masked too. */
  data<T>(data: T): T;
  /** History records, in chain order, as this reader sees them: like `data`, each SUBMIT by its step's form. */
  records<T extends HistoryRecord>(records: readonly T[]): T[];
  /** Whether this reader may reveal this matter's personal values (a role the flow names). */
  canReveal: boolean;
}

/**
 * Where the flow marks personal fields today: the newest published version of the matter's flow
 * (the matter's own version if none is newer), in its data and in each step's form. Values recorded
 * before a version marked them sit in the chain in the clear (their hashes cover them); every view
 * masks them by these marks like new ones (docs/personal-data.md).
 */
async function currentMarks(runtime: Runtime, instance: Instance): Promise<{ data: PersonalField[]; forms: Map<string, PersonalField[]> }> {
  const newest = await runtime.store.latestPublished(instance.townshipId, instance.flowId);
  const flow = (await runtime.compiled(newest?.id ?? instance.flowVersionId)).flow;
  const forms = new Map(Object.entries(flow.states).flatMap(([id, state]) => (state.form ? [[id, personalFields(state.form.schema)] as const] : [])));
  return { data: personalFields(flow.data), forms };
}

/** `value` with each value recorded in the clear at a marked field replaced by its mask (no commitment: nothing to reveal by). */
function maskRecorded<T>(value: T, fields: readonly PersonalField[]): T {
  const replacements = new Map<string, unknown>();
  for (const field of fields) {
    for (const [pointer, v] of placesOf(value, field.path)) {
      if (v === null || isCommitment(v)) continue;
      const masked: MaskedValue = { $personal: '', kind: field.kind, masked: maskValue(field.kind, v) };
      replacements.set(pointer, masked);
    }
  }
  return replacements.size ? (replaceAt(value, replacements) as T) : value;
}

/**
 * The roles a flow lets reveal its personal values, of those the user acts with in the village; none
 * unless the user reads the matter for their part in it or oversees it (the read rule's `as`): one
 * who reads only as its starter or as an auditor sees masks, whatever roles they hold (its subject
 * sees the values themselves, with nothing to reveal).
 */
async function revealRoles(runtime: Runtime, user: User, village: Village, instance: Instance, as: ReadAs): Promise<string[]> {
  if (as !== 'participant' && as !== 'oversight') return [];
  const allowed = (await runtime.compiled(instance.flowVersionId)).flow.personal?.reveal ?? [];
  return actingRoles(user, village).filter((r) => allowed.includes(r));
}

/**
 * An objection's `contact` (how to reach the objector: a phone, a name and group) is personal. A live
 * OBJECT records its commitment and the value goes to the personal-data store; records made before
 * that hold it in the clear. Those who handle objections to that notice (a role holding the step it
 * was made at, reading the matter for that part) see the value, as their work needs it; everyone
 * else, the person the matter is about included, sees a mask (a commitment's by the common masking,
 * a clear value's here). The public board never shows objections' words; logs never carry payloads.
 */
async function objectionHandler(runtime: Runtime, user: User, village: Village, instance: Instance, as: ReadAs, byCommitment: Map<string, StoredPersonalValue>): Promise<<T extends HistoryRecord>(record: T) => T> {
  const flow = (await runtime.compiled(instance.flowVersionId)).flow;
  const acting = as === 'participant' ? actingRoles(user, village) : [];
  return (record) => {
    const contact = (record.payload as Record<string, unknown>).contact;
    if (contact === undefined || contact === null) return record;
    const handles = (flow.states[record.state]?.roles ?? []).some((r) => acting.includes(r));
    if (isCommitment(contact)) {
      const stored = byCommitment.get(contact.$personal);
      const kept = stored !== undefined && stored.erasedAt === null;
      if (handles && kept) return { ...record, payload: { ...record.payload, contact: stored.value } };
      // Masked here, not by the common masking, which shows the person a matter is about their own values.
      const masked: MaskedValue = { $personal: contact.$personal, kind: 'contact', masked: kept ? maskValue('contact', stored.value) : null };
      return { ...record, payload: { ...record.payload, contact: masked } };
    }
    if (handles) return record;
    const masked: MaskedValue = { $personal: '', kind: 'contact', masked: maskValue('contact', contact) };
    return { ...record, payload: { ...record.payload, contact: masked } };
  };
}

export async function personalView(runtime: Runtime, user: User, village: Village, instance: Instance, as: ReadAs): Promise<PersonalView> {
  const values = await runtime.store.personalValues(instance.id);
  const byCommitment = new Map(values.map((v) => [v.commitment, v]));
  const canReveal = (await revealRoles(runtime, user, village, instance, as)).length > 0;
  const own = as === 'subject';
  const mask = <T>(value: T) => (values.length ? (maskAll(value, byCommitment, own) as T) : value);
  const objections = await objectionHandler(runtime, user, village, instance, as, byCommitment);
  // The subject sees their own values, whenever they were recorded.
  const marks = own ? { data: [], forms: new Map<string, PersonalField[]>() } : await currentMarks(runtime, instance);
  return {
    mask,
    data: (data) => mask(maskRecorded(data, marks.data)),
    records: (records) =>
      records.map((record, i) => {
        if (record.type === 'OBJECT') return mask(objections(record));
        const fields = record.type === 'SUBMIT' ? marks.forms.get(records[i - 1]?.state ?? '') : undefined;
        return mask(fields?.length ? { ...record, payload: maskRecorded(record.payload, fields) } : record);
      }),
    canReveal,
  };
}

/**
 * One personal value, for a reader the flow allows: returned, and written to the audit log (who,
 * which matter, which record and field, when). Anyone else is refused and nothing is written.
 */
export async function reveal(runtime: Runtime, user: User, instanceId: string, commitment: string): Promise<{ value: unknown; kind: PersonalKind; seq: number; pointer: string }> {
  const { instance, village, as } = await runtime.readable(user, instanceId);
  const roles = await revealRoles(runtime, user, village, instance, as);
  if (roles.length === 0) throw new ServerRefusal('REVEAL_NOT_ALLOWED', 'only the roles this flow names may see its personal data');
  const stored = (await runtime.store.personalValues(instance.id)).find((v) => v.commitment === commitment);
  if (!stored) throw new NotFoundError('this matter has no such personal value');
  if (stored.erasedAt !== null) throw new ServerRefusal('PERSONAL_ERASED', `this personal value was erased on ${stored.erasedAt}`);
  const { field, item } = await fieldOf(runtime, instance, stored);
  await runtime.store.audit({
    townshipId: instance.townshipId,
    at: runtime.now(),
    actorId: user.id,
    action: 'personal.reveal',
    target: instance.id,
    details: { title: instance.title, villageId: village.id, seq: stored.seq, pointer: stored.pointer, kind: stored.kind, field, item, role: roles[0]! },
  });
  return { value: stored.value, kind: stored.kind, seq: stored.seq, pointer: stored.pointer };
}

/**
 * Which field a stored value is, in words: the title of the instance-data field its record's form
 * saved it to, and for a value inside a list (a household member) which item, counted from 1.
 */
async function fieldOf(runtime: Runtime, instance: Instance, stored: StoredPersonalValue): Promise<{ field: Text | null; item: number | null }> {
  const records = await runtime.store.history(instance.id);
  const state = records[stored.seq - 2]?.state;
  const flow = (await runtime.compiled(instance.flowVersionId)).flow;
  const saveTo = state === undefined ? undefined : flow.states[state]?.form?.saveTo;
  const index = stored.pointer.split('/').find((token) => /^\d+$/.test(token));
  return { field: saveTo === undefined ? null : (labelAt(flow, saveTo + stored.pointer) ?? null), item: index === undefined ? null : Number(index) + 1 };
}

/**
 * Erases a matter's personal values once it has ended and its flow's retention period has passed
 * since (township admin): values and salts go, the commitments stay, so the matter still verifies.
 * One audit entry, in the same transaction. A matter whose flow version records values in the
 * clear (before personal data left the chain) cannot be erased without breaking its chain: refused.
 */
export async function erase(runtime: Runtime, user: User, instanceId: string): Promise<{ erased: number }> {
  const { instance, village } = await runtime.readable(user, instanceId);
  const flow = (await runtime.compiled(instance.flowVersionId)).flow;
  if (!flow.personal) throw new InvalidInputError(`${flow.id}@${flow.version} keeps personal values in the history itself: they cannot be erased without breaking its chain`);
  if (instance.status !== 'done') throw new InvalidInputError('the matter is still running: its personal values are erased only after it has ended and its retention period has passed');
  const retention = flow.personal.retention;
  if (!retention) throw new InvalidInputError(`${flow.id}@${flow.version} sets no retention period for its personal values`);
  const until = addPeriod(instance.updatedAt, { duration: retention, calendar: 'natural' });
  const now = runtime.now();
  if (Date.parse(now) < Date.parse(until)) throw new InvalidInputError(`the retention period (${retention}) runs until ${until}: the personal values may be erased after that`);
  const erased = await runtime.store.erasePersonal(instance.id, {
    townshipId: instance.townshipId,
    at: now,
    actorId: user.id,
    action: 'personal.erase',
    target: instance.id,
    details: { title: instance.title, villageId: village.id, endedAt: instance.updatedAt, retention },
  });
  return { erased };
}
