// The flow language as TypeScript types; flows/flow.schema.json is the authority on shape.
export type Lang = 'zh' | 'en';
export interface Text {
  zh: string;
  en?: string;
}
export type JsonSchema = Record<string, unknown>;
export type Calendar = 'natural' | 'working';
export interface Period {
  duration: string;
  calendar?: Calendar;
}
/** A step's deadline: a period, or a whole number of days read from the instance data (see deadlinePeriod). */
export interface Deadline extends Period {
  daysFrom?: string[];
}
export interface TransitionObject {
  target?: string;
  guard?: string;
  roles?: string[];
  description?: Text;
}
export type TransitionConfig = string | TransitionObject;
export interface AfterObject {
  target: string;
  guard?: string;
  calendar?: Calendar;
  description?: Text;
}
export type StateKind = 'task' | 'vote' | 'review' | 'disclosure' | 'final';
export type RuleBase = 'all' | 'entitled' | 'present';
export interface VoteRule {
  of: RuleBase;
  op: '>=' | '>';
  ratio: string;
}
export interface VoteConfig {
  body: Text;
  electorate: string;
  mode: 'record' | 'ballot';
  quorum?: VoteRule;
  pass: VoteRule;
  basis?: Text;
  saveTo?: string;
  /**
   * Ballot mode only: a secret ballot (无记名投票). Records and snapshots say who cast a ballot,
   * never how: each choice goes into the host's ballot box, and CLOSE_VOTE carries the box.
   */
  secret?: boolean;
}
export interface FormConfig {
  schema: JsonSchema;
  uiSchema?: Record<string, unknown>;
  saveTo: string;
  /** Form-field pointer (relative to the form's data) → instance-data pointer: a field's starting value when it has none yet. */
  prefill?: Record<string, string>;
}
export interface DisclosureConfig {
  publish: string[];
  period: Period;
}
export type Outcome =
  | 'adopted'
  | 'rejected'
  | 'withdrawn'
  | 'completed'
  | 'approved'
  | 'denied'
  | 'cancelled'
  | 'closed';
export interface StateConfig {
  kind: StateKind;
  type?: 'final';
  title: Text;
  description?: Text;
  roles?: string[];
  form?: FormConfig;
  vote?: VoteConfig;
  review?: { saveTo?: string };
  disclosure?: DisclosureConfig;
  deadline?: Deadline;
  outcome?: Outcome;
  on?: Record<string, TransitionConfig | TransitionConfig[]>;
  after?: Record<string, string | AfterObject>;
}
/** Who may see a flow's personal fields (marked "x-personal" in its forms and data), and for how long they are kept. */
export interface PersonalConfig {
  /** Roles that may reveal a personal value of a matter they can read; everyone else sees it masked. */
  reveal: string[];
  /** How long after the matter ends its personal values are kept before an administrator may erase them (ISO-8601). */
  retention?: string;
}
export interface Flow {
  $schema?: string;
  id: string;
  version: string;
  title: Text;
  description?: Text;
  roles: Record<string, Text>;
  starters: string[];
  /** Roles that read every matter of the flow besides those holding a step (see engine/readers.ts). */
  readers?: string[];
  /**
   * Where in the instance data the person a matter is about is named: a string field holding the
   * login name of their account (server/access/readRule.ts: that person reads the matter).
   */
  subject?: string;
  data: JsonSchema;
  initial: string;
  states: Record<string, StateConfig>;
  personal?: PersonalConfig;
}

/** One problem in a flow: where (RFC 6901 JSON pointer) and what. */
export interface FlowIssue {
  pointer: string;
  /** English words for logs, the CLI and API readers. */
  message: string;
  /**
   * What is wrong, for a reader's own words (designer/i18n/messages/common.ts `issues`): a form
   * check (`required`, `maxLength`, `choice`, ...: engine/forms.ts), a meeting's numbers that
   * contradict each other (`presentExceedsEligible`, ...: engine/votes.ts), or a server check.
   * Absent where only the message says it (a flow file's problems, read by its designer).
   */
  code?: string;
  /** The figures and names `code`'s words need (`limit`, `present`, `name`, ...). */
  params?: Record<string, string | number>;
}

export interface Actor {
  id: string;
  roles: string[];
}
/** An event as a host or `villageflow simulate` sends it. */
export interface FlowEvent {
  type: string;
  actor: Actor;
  at: string;
  payload?: Record<string, unknown>;
  /**
   * Random hex the host draws for a live event (32 to 128 lowercase hex digits): the salt of the
   * commitments a SUBMIT with personal fields records. Never recorded; a record re-executed
   * (replay, verify) has none. See docs/personal-data.md.
   */
  salt?: string;
}

export interface RuleCheck extends VoteRule {
  count: number;
  base: number;
  met: boolean;
}
/** A meeting's numbers: members of the body, entitled voters, who came and how they voted. */
export interface MeetingCounts {
  members: number;
  eligible: number;
  present: number;
  for: number;
  against: number;
  abstain: number;
  recused: number;
}
export type BallotChoice = 'for' | 'against' | 'abstain';
/** A secret ballot as the ballot box holds it: a random id from the host, and the choice. No voter, no time. */
export interface SealedBallot {
  id: string;
  choice: BallotChoice;
}

/** The roster a meeting's denominators came from (engine/votes.ts rosterProblems): its hash, members and voting members. */
export interface VoteRoster {
  hash: string;
  members: number;
  voting: number;
}
export interface VoteResult extends MeetingCounts {
  mode: 'record' | 'ballot';
  /** Set on a secret ballot's result: counted from the ballot box. */
  secret?: true;
  outcome: 'passed' | 'failed' | 'no_quorum';
  /** The rules as applied: e.g. present 14 of all 20 >= 2/3 → met. */
  quorum: RuleCheck | null;
  pass: RuleCheck;
  signIn?: string[];
  attendees?: string[];
  notes?: string;
  /** The roster the host supplied members and eligible from (absent in records made before rosters). */
  roster?: VoteRoster;
  at: string;
  by: string;
}

export interface ActiveTimer {
  due: string;
  /**
   * Set for a working-day timer counted on a recorded calendar: what a recompute needs when a
   * year's schedule is adopted (RECALENDAR). `from` is when it started, `days` how many working
   * days, `calendars` the version hash of each year (as a string) the count passed through.
   */
  from?: string;
  days?: number;
  calendars?: Record<string, string>;
}
export interface ActiveDisclosure {
  state: string;
  from: string;
  until: string;
  items: Record<string, unknown>;
}
export interface Objection {
  state: string;
  by: string;
  at: string;
  reason: string;
}

/** The XState context of a running instance: everything replay must rebuild. */
export interface InstanceContext {
  data: Record<string, unknown>;
  enteredAt: string;
  timers: Record<string, ActiveTimer>;
  disclosure: ActiveDisclosure | null;
  /** Open ballots of the current vote by voter: the choice, or for a secret vote only 'sealed' (cast, not how). */
  ballots: Record<string, BallotChoice | 'sealed'>;
  votes: Record<string, VoteResult>;
  objections: Objection[];
  overdue: Record<string, string>;
  /** Which transition of the flow was taken last ("state#EVENT#index"). */
  taken: string | null;
}

export interface InstanceSnapshot {
  flow: { id: string; version: string; hash: string };
  state: string;
  status: 'active' | 'done';
  outcome: Outcome | null;
  context: InstanceContext;
  seq: number;
  hash: string;
  at: string;
}

export interface HistoryRecord {
  seq: number;
  type: string;
  actor: { id: string; role: string };
  at: string;
  payload: Record<string, unknown>;
  state: string;
  prev: string | null;
  /** The calendar versions (hashes, sorted) the step counted working days on; absent when none or before calendars were data. */
  calendars?: string[];
  hash: string;
}

export type Effect =
  | { type: 'timer.schedule'; timer: string; due: string }
  | { type: 'timer.cancel'; timer: string }
  | { type: 'disclosure.publish'; state: string; from: string; until: string; items: Record<string, unknown> }
  | { type: 'disclosure.end'; state: string; at: string }
  /** The running notice of `state` now ends at `until` (its period was recounted: RECALENDAR). */
  | { type: 'disclosure.reschedule'; state: string; until: string }
  /** A secret ballot to put in the instance's ballot box, apart from the record that says it was cast. */
  | { type: 'ballot.deposit'; state: string; ballot: SealedBallot }
  /** The instance's open vote ended (closed, its step left): empty its ballot box. */
  | { type: 'ballot.empty'; state: string }
  | { type: 'instance.done'; outcome: Outcome };
