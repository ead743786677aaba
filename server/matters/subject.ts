// Who a matter is about (its subject): the account a flow's `subject` field names, kept in
// matter_people with the record that names it, so that person reads the matter
// (server/access/readRule.ts). Checked before anything is written: a name that is no account of the
// matter's village is refused naming the field, and one who acts only as the person concerned
// (an applicant) may name only themselves.
import { getAt, labelAt, type CompiledFlow, type InstanceSnapshot } from '../../engine/index.ts';
import { InvalidInputError } from '../errors.ts';
import type { OwnMatterRoles } from '../access/readRule.ts';
import { actingRoles, rolesIn } from '../access/scope.ts';
import type { Store, User, Village } from '../store/types.ts';

/**
 * The subject a step records: a user id, null for nobody, or undefined when the step leaves it as
 * it was. At the start (`before` null) of a flow with a subject field, a starter acting with an
 * own-matter role the flow lets start (an applicant applying) is its subject unless the data names one.
 */
export async function recordedSubject(store: Store, compiled: CompiledFlow, village: Village, actor: User, before: InstanceSnapshot | null, after: InstanceSnapshot, own: OwnMatterRoles): Promise<string | null | undefined> {
  const pointer = compiled.flow.subject;
  if (!pointer) return undefined;
  const named = getAt(after.context.data, pointer);
  const was = before ? getAt(before.context.data, pointer) : undefined;
  const ownOnly = actingRoles(actor, village).every((r) => own.has(r));
  if (named === was) {
    if (before) return undefined;
    const startsAsOwn = actingRoles(actor, village).some((r) => own.has(r) && compiled.flow.starters.includes(r));
    return startsAsOwn ? actor.id : undefined;
  }
  const name = typeof named === 'string' ? named.trim() : '';
  if (name === '') return null;
  const field = labelAt(compiled.flow, pointer)?.zh ?? pointer;
  const refuse = (message: string, code: string, params?: Record<string, string>) =>
    new InvalidInputError(`${field}: ${message}`, [{ pointer: fieldPointer(compiled, pointer, [before?.state, after.state]), message, code, ...(params ? { params } : {}) }]);
  const user = await store.getUserByUsername(name);
  if (!user || rolesIn(user, village).length === 0) throw refuse(`no account "${name}" holds a role in ${village.name}`, 'noAccountInVillage', { name, village: village.name });
  if (ownOnly && user.id !== actor.id) throw refuse('the person concerned may name only their own account', 'ownAccountOnly');
  return user.id;
}

/** The field's place in the form that saved it (relative to the form's saveTo), for the form to show the issue by it. */
function fieldPointer(compiled: CompiledFlow, pointer: string, states: (string | undefined)[]): string {
  for (const state of states) {
    const saveTo = state === undefined ? undefined : compiled.flow.states[state]?.form?.saveTo;
    if (saveTo !== undefined && pointer.startsWith(`${saveTo}/`)) return pointer.slice(saveTo.length);
  }
  return pointer;
}
