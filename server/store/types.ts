// The store interface: every durable operation the server needs, each one atomic. SQLite is the
// embedded default, PostgreSQL what several server processes share; both are the one store of
// store.ts (its queries written once, sql.ts the dialect layer), so nothing database-specific
// crosses this line. All methods are async so a networked database fits the same shape.
import type { CalendarVersion, Effect, HistoryRecord, InstanceSnapshot, Outcome, PersonalKind, PersonalValue, SealedBallot } from '../../engine/index.ts';
import type { CalendarYearRow } from './calendars.ts';

// Roles: the built-in ones and the platform's live in the engine (engine/roles.ts), shared with the web app.
export { BUILT_IN_ROLES, PLATFORM_ROLES, type PlatformRole, type Role, type RoleDefinition, type RoleGrant } from '../../engine/index.ts';
import type { Role, RoleDefinition, RoleGrant } from '../../engine/index.ts';

export interface Township {
  id: string;
  name: string;
}
export interface Village {
  id: string;
  townshipId: string;
  name: string;
  kind: 'village' | 'community';
  /** Archived (never deleted: history refers to it): no new matters start there; null or absent while in use. */
  archivedAt?: string | null;
}
/** A role of a township's catalogue as kept: built-in (the starting content) or the township's own. */
export interface CatalogueRole extends RoleDefinition {
  builtIn: boolean;
  /** Who added it (null for a built-in role), and when. */
  createdBy: string | null;
  createdAt: string;
}
/** A role held in one village, or (villageId null) across the whole township. */
export interface User {
  id: string;
  townshipId: string;
  username: string;
  displayName: string;
  roles: RoleGrant[];
  /** The password was chosen by an admin (a new user, a reset): the user must choose their own before anything else. */
  mustChangePassword: boolean;
  /** An optional mobile number (unique): the user signs in with it as with the user name. */
  mobile?: string | null;
  /** Deactivated (never deleted: history names them): cannot sign in. Null or absent while active. */
  deactivatedAt?: string | null;
}
/** How many of a user's latest sign-ins are kept (older ones are dropped as new ones are recorded). */
export const SIGN_INS_KEPT = 50;
/** One successful sign-in, as the user sees their recent ones. */
export interface SignIn {
  at: string;
  /** The connection's address (a proxy's, behind one). */
  address: string;
}
export interface UserWithSecret extends User {
  passwordHash: string;
}
export interface Session {
  tokenHash: string;
  userId: string;
  createdAt: string;
  /** The last request seen (written at most once a minute): the idle limit counts from it. */
  lastSeenAt: string;
  /** The absolute end, fixed at sign-in. */
  expiresAt: string;
}

export interface FlowVersion {
  id: number;
  townshipId: string;
  flowId: string;
  version: string;
  status: 'draft' | 'published';
  json: string;
  hash: string;
  title: string;
  createdBy: string;
  createdAt: string;
  publishedBy: string | null;
  publishedAt: string | null;
}

export interface Instance {
  id: string;
  villageId: string;
  townshipId: string;
  flowVersionId: number;
  flowId: string;
  title: string;
  state: string;
  status: 'active' | 'done';
  outcome: Outcome | null;
  seq: number;
  head: string;
  snapshot: InstanceSnapshot;
  startedBy: string;
  createdAt: string;
  updatedAt: string;
}

/** An open step: one row per role that can act on it. */
export interface Task {
  instanceId: string;
  villageId: string;
  townshipId: string;
  flowId: string;
  title: string;
  state: string;
  role: string;
  since: string;
  due: string | null;
  overdue: boolean;
}
export interface OpenTask {
  state: string;
  roles: string[];
  since: string;
  due: string | null;
  overdue: boolean;
}

export interface Disclosure {
  id: number;
  instanceId: string;
  villageId: string;
  flowId: string;
  title: string;
  state: string;
  from: string;
  until: string;
  endedAt: string | null;
  items: Record<string, unknown>;
  /** Hash of the history record that published it: what a printed notice's QR code carries. */
  recordHash: string;
}

export interface DueTimer {
  instanceId: string;
  timerId: string;
  due: string;
}

export interface AuditEntry {
  id: number;
  townshipId: string;
  at: string;
  actorId: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

/** What accepting one event writes, all in one transaction. */
/**
 * A registered count of a body without accounts (all adult villagers, household representatives):
 * how many it has from `effectiveFrom` (a date, YYYY-MM-DD, China time) on, by which document, and
 * who recorded it. Append-only: a correction is a newer count.
 */
export interface BodyCount {
  id: number;
  townshipId: string;
  villageId: string;
  role: string;
  count: number;
  effectiveFrom: string;
  source: string;
  recordedBy: string;
  recordedAt: string;
}
/** A member of a body with accounts: an active user holding its role in the village. */
export interface RosterMember {
  userId: string;
  displayName: string;
  /** A probationary grant (a probationary party member): attends, does not vote. */
  probationary: boolean;
}
/**
 * A body (a role in a village) as the store has it on a day: its active members, and whether it is
 * counted (a registered count exists for it), with the count in force that day if any.
 */
export interface BodyOnDay {
  readonly members: readonly Readonly<RosterMember>[];
  readonly counted: boolean;
  readonly count: Readonly<BodyCount> | null;
}
/** A roster a meeting record names by hash: its canonical JSON (server/org/rosters.ts), kept immutable. */
export interface RosterSnapshot {
  hash: string;
  villageId: string;
  role: string;
  json: string;
  createdAt: string;
}
/** A grant of a role in a village, with its holder, for the bodies of a village (org UI). */
export interface VillageGrant {
  userId: string;
  displayName: string;
  role: string;
  probationary: boolean;
  deactivatedAt: string | null;
}

export interface EventWrite {
  instanceId: string;
  /** The sequence number the caller saw; a different stored one is a conflict. */
  expectedSeq: number;
  record: HistoryRecord;
  snapshot: InstanceSnapshot;
  effects: Effect[];
  tasks: OpenTask[];
  /** Set by a migration record: the instance runs on this flow version from now on. */
  flowVersionId?: number;
  /** The personal values the record commits to (docs/personal-data.md), kept beside the history. */
  personal?: PersonalValue[];
  /** The record names who the matter is about (its flow's subject field): this user id from now on, or null for nobody. */
  subject?: string | null;
  /** The roster the record's meeting numbers came from (its hash is in the payload): stored if absent. */
  roster?: RosterSnapshot;
}

/** A person a matter belongs to (matter_people): who started it, or who it is about (server/access/readRule.ts). */
export interface MatterPerson {
  personId: string;
  relation: 'starter' | 'subject';
}

/** A personal value as the store keeps it: value and salt are null once erased. */
export interface StoredPersonalValue {
  instanceId: string;
  seq: number;
  pointer: string;
  kind: PersonalKind;
  commitment: string;
  value: unknown;
  salt: string | null;
  erasedAt: string | null;
  erasedBy: string | null;
}

/**
 * The instances a user may read, as server/access/readRule.ts builds it: in one of `villageIds`, and
 * either in a clause's villages with (the clause's versions null or) a flow version among the
 * clause's, or a matter of `person` (matter_people: they started it or it is about them).
 */
export interface ReadScope {
  villageIds: string[];
  clauses: { villageIds: string[]; flowVersionIds: number[] | null }[];
  person: string;
}
/** One inbox scope: the tasks waiting on `role` in a village (null: the township), optionally only in matters of `person` (matter_people). */
export interface InboxScope {
  townshipId: string;
  villageId: string | null;
  role: string;
  person?: string;
}

export interface InstanceFilter {
  townshipId: string;
  villageIds?: string[];
  /** Only what this reader may read (server/access/readRule.ts). */
  read?: ReadScope;
  flowId?: string;
  state?: string;
  status?: 'active' | 'done';
  overdue?: boolean;
  limit?: number;
  offset?: number;
}

/** 办理方式: village accepts and township completes, township handles, proxy (代办), inform only. */
export const CATALOGUE_MODES = ['village_accepts', 'township_completes', 'proxy', 'inform'] as const;
export type CatalogueMode = (typeof CATALOGUE_MODES)[number];
/** One row of an item's materials list (申请材料). */
export interface CatalogueMaterial {
  name: string;
  required: boolean;
  copies: number;
  /** Who supplies it (申请人, 村委会, 承办部门 …). */
  supplier: string;
}
/** A service item of a township's catalogue (事项清单). Time limits are working days. */
export interface CatalogueItem {
  id: string;
  townshipId: string;
  code: string;
  name: string;
  type: string;
  department: string;
  legalBasis: string;
  serviceObject: string;
  conditions: string;
  materials: CatalogueMaterial[];
  promisedDays: number;
  statutoryDays: number;
  fee: string;
  mode: CatalogueMode;
  /** The flow that runs it; null for inform-only items. */
  flowId: string | null;
  updatedBy: string;
  updatedAt: string;
}
/** The catalogue item an instance was started from, as it was then (the figures count by it). */
export interface CatalogueStart {
  itemId: string;
  itemCode: string;
  itemName: string;
}
/** A service instance as the satisfaction figures count it. */
export interface ServiceStatsRow {
  id: string;
  villageId: string;
  flowId: string;
  status: 'active' | 'done';
  /** The catalogue item it was started from (as it was then), if any. */
  itemId: string | null;
  itemCode: string | null;
  itemName: string | null;
  /** The score of the proxy-service rating step (data.rating.score), if rated. */
  score: number | null;
  /** Has a DEADLINE.EXCEEDED record (a deadline timer fired). */
  late: boolean;
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

export interface Store {
  migrate(): Promise<number>;
  close(): Promise<void>;

  createTownship(t: Township): Promise<void>;
  getTownship(id: string): Promise<Township | null>;
  listTownships(): Promise<Township[]>;
  createVillage(v: Village): Promise<void>;
  getVillage(id: string): Promise<Village | null>;
  listVillages(townshipId: string): Promise<Village[]>;

  /** A new user; mustChangePassword defaults to false (seeded and imported users). */
  createUser(u: Omit<UserWithSecret, 'mustChangePassword'> & { mustChangePassword?: boolean }): Promise<void>;
  /** Many new users and their audit entries, all in one transaction or none (a bulk import); a taken user name or mobile is a ConflictError. */
  createUsers(users: (Omit<UserWithSecret, 'mustChangePassword'> & { mustChangePassword: boolean })[], audits: Omit<AuditEntry, 'id'>[]): Promise<void>;
  getUser(id: string): Promise<User | null>;
  getUserByUsername(username: string): Promise<UserWithSecret | null>;
  listUsers(townshipId: string): Promise<User[]>;
  /** The display names of those of these accounts that belong to the township, by user id. */
  displayNames(townshipId: string, ids: readonly string[]): Promise<Map<string, string>>;
  setRoles(userId: string, roles: RoleGrant[]): Promise<void>;
  /** A township's role catalogue, built-in roles first, then in the order they were added. */
  listRoles(townshipId: string): Promise<CatalogueRole[]>;
  /** Adds roles to a township's catalogue with their audit entries, in one transaction; a key it has a row for already is a ConflictError. */
  addRoles(townshipId: string, roles: CatalogueRole[], audits: Omit<AuditEntry, 'id'>[]): Promise<void>;
  /** A role's new labels and the audit entry, in one transaction; the role's row is written first if the township has none (a built-in role changed for the first time). */
  setRoleLabel(townshipId: string, role: CatalogueRole, label: RoleDefinition['label'], audit: Omit<AuditEntry, 'id'>): Promise<void>;
  /** A new password: chosen by an admin (mustChange) or by the user. */
  setPassword(userId: string, passwordHash: string, mustChange: boolean): Promise<void>;
  /** Changes a user's name, mobile or deactivation (the fields given); a mobile taken by another user is a ConflictError. */
  updateUser(id: string, change: { displayName?: string; mobile?: string | null; deactivatedAt?: string | null }): Promise<void>;
  getUserByMobile(mobile: string): Promise<UserWithSecret | null>;
  /** Renames or archives (archivedAt set) / restores (null) a village. */
  updateVillage(id: string, change: { name?: string; archivedAt?: string | null }): Promise<void>;
  /** Records a sign-in, keeping the user's latest SIGN_INS_KEPT. */
  recordSignIn(userId: string, s: SignIn): Promise<void>;
  /** A user's latest sign-ins, newest first. */
  signIns(userId: string, limit: number): Promise<SignIn[]>;
  /** A one-time setup link's token (its SHA-256 only), valid until used. */
  createSetupToken(tokenHash: string, at: string): Promise<void>;
  setupTokenOpen(tokenHash: string): Promise<boolean>;
  /** Marks the token used; false when it does not exist or was used already (only one caller wins). */
  useSetupToken(tokenHash: string, at: string): Promise<boolean>;

  createSession(s: Session): Promise<void>;
  getSession(tokenHash: string): Promise<Session | null>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Ends every session of a user but the one kept (a password changed or reset). */
  deleteSessionsOf(userId: string, keep: string | null): Promise<void>;
  touchSession(tokenHash: string, at: string): Promise<void>;
  recordLoginFailure(key: string, at: string): Promise<void>;
  /** The failures of a throttle key since a time: how many, and the latest. */
  loginFailures(key: string, since: string): Promise<{ count: number; last: string | null }>;
  clearLoginFailures(key: string): Promise<void>;
  /** Deletes sessions that ended (expires_at ≤ now) or idled (last seen ≤ idleBefore), and failures before failuresBefore. */
  pruneSignIns(p: { now: string; idleBefore: string; failuresBefore: string }): Promise<{ sessions: number; loginFailures: number }>;

  saveDraft(v: Omit<FlowVersion, 'id' | 'status' | 'publishedBy' | 'publishedAt'>): Promise<FlowVersion>;
  /** Publishes a draft; the roles given join the township's catalogue in the same transaction (a key it has already is a ConflictError). */
  publish(id: number, by: string, at: string, addRoles?: { townshipId: string; roles: CatalogueRole[] }): Promise<FlowVersion>;
  getFlowVersion(id: number): Promise<FlowVersion | null>;
  findFlowVersion(townshipId: string, flowId: string, version: string): Promise<FlowVersion | null>;
  listFlowVersions(townshipId: string, flowId?: string): Promise<FlowVersion[]>;
  /** The ids of the township's published flow versions (what instances run on), oldest first. */
  publishedVersionIds(townshipId: string): Promise<number[]>;
  latestPublished(townshipId: string, flowId: string): Promise<FlowVersion | null>;
  setFlowVillages(townshipId: string, flowId: string, villageIds: string[]): Promise<void>;
  flowVillages(townshipId: string, flowId: string): Promise<string[]>;
  flowsForVillage(villageId: string): Promise<FlowVersion[]>;

  /** The instance, its first record and, when it was started from a catalogue item, that link: one transaction. */
  createInstance(i: Omit<Instance, 'seq' | 'head' | 'state' | 'status' | 'outcome' | 'updatedAt'>, first: Omit<EventWrite, 'expectedSeq' | 'instanceId'>, catalogueStart?: CatalogueStart): Promise<void>;
  appendEvent(w: EventWrite & { title?: string }): Promise<void>;
  getInstance(id: string): Promise<Instance | null>;
  /** The flow version each of these instances runs on (ids that do not exist are left out): no snapshots read. */
  flowVersionsOf(instanceIds: string[]): Promise<Map<string, number>>;
  listInstances(f: InstanceFilter): Promise<Instance[]>;
  history(instanceId: string): Promise<HistoryRecord[]>;
  /** Who the matter belongs to (matter_people): its starter, and its subject if its flow names one. */
  matterPeople(instanceId: string): Promise<MatterPerson[]>;
  /** The personal values an instance's records commit to, in record and field order. */
  personalValues(instanceId: string): Promise<StoredPersonalValue[]>;
  /**
   * Erases an instance's personal values not yet erased (value and salt gone; commitment, place and
   * kind kept) and writes `audit` with the count in its details, in one transaction. Returns the count.
   */
  erasePersonal(instanceId: string, audit: Omit<AuditEntry, 'id'>): Promise<number>;
  /**
   * The ballot box of the instance's open secret vote, in order of ballot id, with the instance's
   * seq read in the same snapshot of the database (null: no such instance). Only the host reads it,
   * to pass it in with CLOSE_VOTE; no API returns it.
   */
  ballotBox(instanceId: string): Promise<{ seq: number; ballots: SealedBallot[] } | null>;

  // Bodies and rosters (server/org/rosters.ts).
  /** A body on a day: its active members (by user id) and its registered count in force that day (latest effective date ≤ day). */
  bodyOnDay(villageId: string, role: string, day: string): Promise<BodyOnDay>;
  /** Whether an active user holds the body's role in the village, and how (null: not a member). */
  rosterMember(villageId: string, role: string, userId: string): Promise<{ probationary: boolean } | null>;
  /** Every grant of a role in the village, with its holder (deactivated ones too), by role and name. */
  villageGrants(villageId: string): Promise<VillageGrant[]>;
  /** Marks a grant probationary or not, with its audit entry; false when the user holds no such grant. */
  setProbationary(g: { userId: string; villageId: string; role: string; probationary: boolean }, e: Omit<AuditEntry, 'id'>): Promise<boolean>;
  /** Every registered count of the village's bodies, by role, newest effective date first. */
  bodyCounts(villageId: string): Promise<BodyCount[]>;
  /** Registers a count, with its audit entry, in one transaction. */
  registerBodyCount(c: Omit<BodyCount, 'id'>, e: Omit<AuditEntry, 'id'>): Promise<BodyCount>;
  /** A stored roster by its hash. */
  rosterSnapshot(hash: string): Promise<RosterSnapshot | null>;

  inbox(scopes: InboxScope[], limit: number): Promise<Task[]>;
  /** Timers due at `now`, oldest first. A store shared by several processes claims them for the
   * caller for a while (PostgreSQL: a lease), so another process's call does not return them too. */
  dueTimers(now: string, limit: number): Promise<DueTimer[]>;
  disclosures(villageId: string, opts: { current: boolean; now: string; limit: number }): Promise<Disclosure[]>;

  audit(e: Omit<AuditEntry, 'id'>): Promise<void>;
  auditLog(townshipId: string, limit: number): Promise<AuditEntry[]>;

  /** The service catalogue (事项清单) of a township, by code. */
  listCatalogue(townshipId: string): Promise<CatalogueItem[]>;
  getCatalogueItem(id: string): Promise<CatalogueItem | null>;
  getCatalogueItemByCode(townshipId: string, code: string): Promise<CatalogueItem | null>;
  /** Inserts or updates (by id) the items, all or none; a code taken by another item is a conflict. */
  upsertCatalogueItems(items: CatalogueItem[]): Promise<void>;
  deleteCatalogueItem(id: string): Promise<boolean>;
  /**
   * What the township overview is computed from, as the store keeps it while writing events: every
   * instance (by id) and the finished visits of every step, per flow, step and village. The same
   * figures the history gives (tests/server/overview-reference.ts), without reading the history.
   */
  overviewStats(townshipId: string): Promise<{ instances: OverviewInstanceRow[]; visits: OverviewVisitsRow[] }>;

  /** The calendar version a township answers each year with now: its latest adoption, else the baseline (see calendars.ts). */
  calendarYears(townshipId: string): Promise<CalendarYearRow[]>;
  /** The stored versions among these hashes (hashes not stored are left out). */
  getCalendarVersions(hashes: string[]): Promise<CalendarVersion[]>;
  /** The townships that adopted a calendar year. */
  calendarTownships(): Promise<string[]>;
  /** Stores the versions not yet stored; a stored one (same hash, same content) is left as it is. */
  putCalendarVersions(versions: CalendarVersion[], at: string): Promise<void>;
  /** Stores the version if new, the township's adoption of it and the audit entry, in one transaction. */
  adoptCalendar(a: { townshipId: string; version: CalendarVersion; by: string; at: string }, audit: Omit<AuditEntry, 'id'>): Promise<void>;
}

/** One instance as the overview counts it. */
export interface OverviewInstanceRow extends ServiceStatsRow {
  flowVersionId: number;
  /** An open step of it is overdue. */
  overdue: boolean;
  /** Finished: from the first record to the last (ms); null while running. */
  ms: number | null;
}
/** The finished visits of one step by the instances of one village. */
export interface OverviewVisitsRow {
  flowId: string;
  state: string;
  villageId: string;
  totalMs: number;
  /** Each visit's length (ms), shortest first. */
  durations: number[];
}
