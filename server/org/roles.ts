// A township's role catalogue: the roles its people may be granted and its flows may name. The
// built-in roles (engine/roles.ts) are its starting content: every township has them (one set up
// before the catalogue existed too), read from the code until a township changes one's labels,
// which writes its row (reads never write: a refused call changes nothing). A township admin adds
// roles of its own and edits any role's labels, and publishing a flow adds the flow's roles the
// catalogue lacks when the admin chooses to (server/matters/flows.ts). A role is never removed: grants and
// history name it. Only the platform's roles (PLATFORM_ROLES) are named in server code; whether a
// role reads only its holder's own matters is the catalogue's `ownMatters`.
import { z } from 'zod';
import { BUILT_IN_ROLES, ROLE_KEY, ROLE_KEY_MAX, ROLE_LABEL_MAX, type Flow } from '../../engine/index.ts';
import { InvalidInputError, ServerRefusal } from '../errors.ts';
import type { CatalogueRole, RoleGrant, Store } from '../store/types.ts';

export const ROLE_KEY_INPUT = z.string().max(ROLE_KEY_MAX).regex(ROLE_KEY, 'must be lower-case letters and digits, words joined by "_", starting with a letter');
const label = z.string().trim().min(1).max(ROLE_LABEL_MAX);
export const ROLE_LABEL_INPUT = z.object({ zh: label, en: label });
/** A role to add: its key, labels, scope and whether its holders read only their own matters. */
export const NEW_ROLE = z.object({ key: ROLE_KEY_INPUT, label: ROLE_LABEL_INPUT, scope: z.enum(['township', 'village']), ownMatters: z.boolean().default(false) });
export type NewRole = z.infer<typeof NEW_ROLE>;

const BUILT_IN_ORDER = new Map(BUILT_IN_ROLES.map((r, i) => [r.key, i]));
const order = (a: CatalogueRole, b: CatalogueRole) =>
  (BUILT_IN_ORDER.get(a.key) ?? Infinity) - (BUILT_IN_ORDER.get(b.key) ?? Infinity) || a.createdAt.localeCompare(b.createdAt) || a.key.localeCompare(b.key);

/** The built-in roles as a township holds them until it changes one (no time: they were always there). */
const BUILT_IN_ROWS: readonly CatalogueRole[] = BUILT_IN_ROLES.map((r) => ({ ...r, builtIn: true, createdBy: null, createdAt: '' }));

/** The township's catalogue: the built-in roles in their order (as it labelled them), then its own as they were added. */
export async function roleCatalogue(store: Store, townshipId: string): Promise<CatalogueRole[]> {
  const rows = await store.listRoles(townshipId);
  const have = new Set(rows.map((r) => r.key));
  return [...rows, ...BUILT_IN_ROWS.filter((r) => !have.has(r.key))].sort(order);
}

/**
 * Refuses roles a township cannot add: a key it has already, a label another of its roles has
 * (people and sheets name roles by label), or the same key twice. `pointer` is where each role sits
 * in the input.
 */
export function checkNewRoles(catalogue: CatalogueRole[], roles: NewRole[], pointer: (i: number) => string) {
  const keys = new Set(catalogue.map((r) => r.key));
  const labels = new Map(catalogue.flatMap((r) => [[r.label.zh, r.key], [r.label.en.toLowerCase(), r.key]] as const));
  roles.forEach((r, i) => {
    const at = pointer(i);
    if (keys.has(r.key)) throw new InvalidInputError(`${at}/key: the township has a role ${r.key} already`, [{ pointer: `${at}/key`, message: 'is a role of the township already', code: 'roleKeyTaken', params: { key: r.key } }]);
    keys.add(r.key);
    for (const [lang, text] of [['zh', r.label.zh], ['en', r.label.en.toLowerCase()]] as const) {
      const other = labels.get(text);
      if (other) throw new InvalidInputError(`${at}/label/${lang}: "${r.label[lang]}" is the label of role ${other}`, [{ pointer: `${at}/label/${lang}`, message: `is the label of role ${other}`, code: 'roleLabelTaken', params: { label: r.label[lang] } }]);
      labels.set(text, r.key);
    }
  });
}

/** Catalogue rows of new roles added by someone at a time. */
export const catalogueRows = (roles: NewRole[], by: string, at: string): CatalogueRole[] => roles.map((r) => ({ ...r, builtIn: false, createdBy: by, createdAt: at }));

/**
 * Refuses grants of roles the township's catalogue lacks (ROLE_UNKNOWN, naming them), a township
 * role tied to a village, and a village role without one (the villages themselves are checked by
 * server/org/organisation.ts checkGrants).
 */
export function checkGrantRoles(catalogue: CatalogueRole[], grants: RoleGrant[]) {
  const byKey = new Map(catalogue.map((r) => [r.key, r]));
  const unknown = grants.map((g, i) => ({ g, i })).filter(({ g }) => !byKey.has(g.role));
  if (unknown.length) {
    const names = [...new Set(unknown.map(({ g }) => g.role))];
    throw new ServerRefusal('ROLE_UNKNOWN', `not roles of this township: ${names.join(', ')}; add them to the role catalogue first`, unknown.map(({ g, i }) => ({ pointer: `/roles/${i}/role`, message: `${g.role} is not a role of this township` })));
  }
  grants.forEach((g, i) => {
    const role = byKey.get(g.role)!;
    if (role.scope === 'township' && g.villageId !== null) throw new InvalidInputError(`${g.role} is a township role; it takes no village`, [{ pointer: `/roles/${i}/villageId`, message: 'must be null', code: 'townshipRoleNoVillage', params: { role: role.label.zh, roleEn: role.label.en || role.label.zh } }]);
    if (role.scope === 'village' && g.villageId === null) throw new InvalidInputError(`${g.role} is a village role; it needs a village of this township`, [{ pointer: `/roles/${i}/villageId`, message: 'must be a village of this township', code: 'villageRoleNeedsVillage', params: { role: role.label.zh, roleEn: role.label.en || role.label.zh } }]);
  });
}

/** The roles a flow declares (its `roles` map, with the flow's labels) that the catalogue lacks. */
export function missingRoles(catalogue: CatalogueRole[], flow: Pick<Flow, 'roles'>): { key: string; label: { zh: string; en?: string } }[] {
  const keys = new Set(catalogue.map((r) => r.key));
  return Object.entries(flow.roles ?? {})
    .filter(([key]) => !keys.has(key))
    .map(([key, label]) => ({ key, label }));
}

/**
 * Each township's catalogue as this process last read it, for the read rule (which roles read only
 * their own matters, fixed when a role is added). A role another process added since is found by
 * reading again whenever a key asked about is missing: a holder of a new own-matters role must
 * never be taken for a participant.
 */
export class RoleCatalogues {
  private cached = new Map<string, { keys: Set<string>; ownMatters: ReadonlySet<string> }>();
  constructor(private readonly store: Store) {}

  /** The roles of the township whose holders read only their own matters; `keys` are roles the caller needs to know. */
  async ownMatterRoles(townshipId: string, keys: Iterable<string> = []): Promise<ReadonlySet<string>> {
    let c = this.cached.get(townshipId);
    if (!c || [...keys].some((k) => !c!.keys.has(k))) {
      const roles = await roleCatalogue(this.store, townshipId);
      c = { keys: new Set(roles.map((r) => r.key)), ownMatters: new Set(roles.filter((r) => r.ownMatters).map((r) => r.key)) };
      this.cached.set(townshipId, c);
    }
    return c!.ownMatters;
  }

  /** This process changed the township's catalogue: read it afresh next time. */
  forget(townshipId: string) {
    this.cached.delete(townshipId);
  }
}
