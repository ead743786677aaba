// People read names, not ids: the one place a user id becomes the name people know them by (the
// account's display name), for every view that names who did something.
import { holdsUserId } from '../../engine/index.ts';
import type { Store } from '../store/types.ts';

/** The display names of these accounts of the township, by user id (an id of no such account is left out). */
export function peopleNames(store: Store, townshipId: string, ids: Iterable<string>): Promise<Map<string, string>> {
  return store.displayNames(townshipId, [...new Set(ids)]);
}

/**
 * The names of the people a matter's recorded decisions name (the `by` of a review decision or a
 * meeting's result; the staff member who owns a case: engine holdsUserId), by id, for the page to show instead of the ids. Objections are left out: who
 * objected is not for every reader of the matter to learn by name.
 */
export async function deciderNames(store: Store, townshipId: string, ...values: unknown[]): Promise<Record<string, string>> {
  const ids = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (holdsUserId(k) && typeof x === 'string') ids.add(x);
      else walk(x);
    }
  };
  values.forEach(walk);
  return Object.fromEntries(await peopleNames(store, townshipId, ids));
}
