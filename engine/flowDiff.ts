// What changed between two versions of a flow: states, transitions, forms, roles and the
// top-level properties. Pure and deterministic (order follows the documents: what is in `b` in
// b's order, what was only in `a` in a's order). A transition is identified by its source state,
// its event (or `after` + duration for a timer) and its index in the event's list, and compared
// by target, guard, roles and description. A state's `on`/`after` are reported as transitions,
// never as a change of the state; a form's fields are compared by the form schema's properties.
import type { Flow, JsonSchema, StateConfig } from './types.ts';
import { sameJson } from './json.ts';
import { transitionKey, transitionsOf, type TransitionParts, type TransitionRef } from './transitions.ts';

/** A transition's identity (engine/transitions.ts): `after` transitions carry the timer's duration. */
export type TransitionKey = TransitionRef;
/** What a transition does, as compared. */
export interface TransitionBody {
  target?: string;
  guard?: string;
  roles?: string[];
  description?: unknown;
}
export type TransitionField = keyof TransitionBody;
export interface TransitionEntry extends TransitionKey, TransitionBody {}
export interface TransitionChange extends TransitionKey {
  fields: TransitionField[];
  before: TransitionBody;
  after: TransitionBody;
}
export interface StateChange {
  id: string;
  /** Keys of the state that differ (never `on`/`after`: those are transitions). */
  fields: string[];
}
export interface FormFieldChange {
  field: string;
  /** Keys of the field's schema that differ, plus `required` when its being required changed. */
  keys: string[];
}
export interface FormChange {
  state: string;
  /** The state gained or lost its form as a whole (its fields are then all added or removed). */
  form?: 'added' | 'removed';
  added: string[];
  removed: string[];
  changed: FormFieldChange[];
  /** Other parts of the form that differ: saveTo, uiSchema, prefill, the schema outside its properties. */
  other: string[];
}
export interface TopChange {
  field: 'id' | 'version' | 'title' | 'description' | 'initial' | 'starters' | 'readers' | 'subject' | 'data';
  before: unknown;
  after: unknown;
}
export interface FlowDiff {
  top: TopChange[];
  states: { added: string[]; removed: string[]; changed: StateChange[] };
  transitions: { added: TransitionEntry[]; removed: TransitionEntry[]; changed: TransitionChange[] };
  forms: { changed: FormChange[] };
  roles: { added: string[]; removed: string[]; changed: string[] };
}

function body(o: TransitionParts): TransitionBody {
  const b: TransitionBody = {};
  if (o.target !== undefined) b.target = o.target;
  if (o.guard !== undefined) b.guard = o.guard;
  if (o.roles !== undefined) b.roles = o.roles;
  if (o.description !== undefined) b.description = o.description;
  return b;
}

/** Every transition of a flow, in document order, as compared. */
function entries(flow: Flow): TransitionEntry[] {
  return transitionsOf(flow).map(({ ref, t }) => ({ ...ref, ...body(t) }));
}

const keyOf = (e: TransitionEntry): TransitionKey => ({ source: e.source, event: e.event, index: e.index, ...(e.duration !== undefined ? { duration: e.duration } : {}) });
const bodyOf = (e: TransitionEntry): TransitionBody => {
  const { source: _s, event: _e, index: _i, duration: _d, ...b } = e;
  return b;
};

function diffTransitions(a: Flow, b: Flow): FlowDiff['transitions'] {
  const before = new Map(entries(a).map((e) => [transitionKey(e), e]));
  const after = entries(b);
  const afterKeys = new Set(after.map(transitionKey));
  const added: TransitionEntry[] = [];
  const changed: TransitionChange[] = [];
  for (const e of after) {
    const old = before.get(transitionKey(e));
    if (!old) {
      added.push(e);
      continue;
    }
    const fields = (['target', 'guard', 'roles', 'description'] as const).filter((f) => !sameJson(old[f], e[f]));
    if (fields.length) changed.push({ ...keyOf(e), fields, before: bodyOf(old), after: bodyOf(e) });
  }
  const removed = [...before.values()].filter((e) => !afterKeys.has(transitionKey(e)));
  return { added, removed, changed };
}

const IGNORED_STATE_KEYS = new Set(['on', 'after']);

function diffStates(a: Flow, b: Flow): FlowDiff['states'] {
  const sa = a.states ?? {};
  const sb = b.states ?? {};
  const added = Object.keys(sb).filter((id) => !Object.hasOwn(sa, id));
  const removed = Object.keys(sa).filter((id) => !Object.hasOwn(sb, id));
  const changed: StateChange[] = [];
  for (const id of Object.keys(sb)) {
    if (!Object.hasOwn(sa, id)) continue;
    const x = sa[id] as StateConfig & Record<string, unknown>;
    const y = sb[id] as StateConfig & Record<string, unknown>;
    const keys = [...new Set([...Object.keys(y), ...Object.keys(x)])].filter((k) => !IGNORED_STATE_KEYS.has(k));
    const fields = keys.filter((k) => !sameJson(x[k], y[k]));
    if (fields.length) changed.push({ id, fields });
  }
  return { added, removed, changed };
}

function properties(schema: JsonSchema | undefined): Record<string, Record<string, unknown>> {
  const p = schema?.properties;
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, Record<string, unknown>>) : {};
}
function required(schema: JsonSchema | undefined): Set<string> {
  return new Set(Array.isArray(schema?.required) ? (schema.required as string[]) : []);
}

function diffForm(state: string, x: StateConfig['form'], y: StateConfig['form']): FormChange | null {
  if (!x && !y) return null;
  const pa = properties(x?.schema);
  const pb = properties(y?.schema);
  const ra = required(x?.schema);
  const rb = required(y?.schema);
  const added = Object.keys(pb).filter((f) => !Object.hasOwn(pa, f));
  const removed = Object.keys(pa).filter((f) => !Object.hasOwn(pb, f));
  const changed: FormFieldChange[] = [];
  for (const f of Object.keys(pb)) {
    if (!Object.hasOwn(pa, f)) continue;
    const fa = pa[f] ?? {};
    const fb = pb[f] ?? {};
    const keys = [...new Set([...Object.keys(fb), ...Object.keys(fa)])].filter((k) => !sameJson(fa[k], fb[k]));
    if (ra.has(f) !== rb.has(f)) keys.push('required');
    if (keys.length) changed.push({ field: f, keys });
  }
  const other: string[] = [];
  if (x && y) {
    if (!sameJson(x.saveTo, y.saveTo)) other.push('saveTo');
    if (!sameJson(x.uiSchema, y.uiSchema)) other.push('uiSchema');
    if (!sameJson(x.prefill, y.prefill)) other.push('prefill');
    const rest = (s: JsonSchema | undefined) => {
      const { properties: _p, required: _r, ...r } = s ?? {};
      return r;
    };
    if (!sameJson(rest(x.schema), rest(y.schema))) other.push('schema');
  }
  if (!added.length && !removed.length && !changed.length && !other.length && !!x === !!y) return null;
  return { state, ...(x && !y ? { form: 'removed' as const } : !x && y ? { form: 'added' as const } : {}), added, removed, changed, other };
}

function diffForms(a: Flow, b: Flow): FlowDiff['forms'] {
  const changed: FormChange[] = [];
  for (const id of Object.keys(b.states ?? {})) {
    if (!Object.hasOwn(a.states ?? {}, id)) continue;
    const c = diffForm(id, a.states[id]?.form, b.states[id]?.form);
    if (c) changed.push(c);
  }
  return { changed };
}

function diffRoles(a: Flow, b: Flow): FlowDiff['roles'] {
  const ra = a.roles ?? {};
  const rb = b.roles ?? {};
  return {
    added: Object.keys(rb).filter((r) => !Object.hasOwn(ra, r)),
    removed: Object.keys(ra).filter((r) => !Object.hasOwn(rb, r)),
    changed: Object.keys(rb).filter((r) => Object.hasOwn(ra, r) && !sameJson(ra[r], rb[r])),
  };
}

const TOP_FIELDS: TopChange['field'][] = ['id', 'version', 'title', 'description', 'initial', 'starters', 'readers', 'subject', 'data'];

/** The differences from flow `a` (the older, the base) to flow `b`. */
export function diffFlows(a: Flow, b: Flow): FlowDiff {
  const top = TOP_FIELDS.filter((f) => !sameJson(a[f], b[f])).map((field) => ({ field, before: a[field], after: b[field] }));
  return { top, states: diffStates(a, b), transitions: diffTransitions(a, b), forms: diffForms(a, b), roles: diffRoles(a, b) };
}

/** Whether a diff finds nothing at all. */
export function isEmptyDiff(d: FlowDiff): boolean {
  return (
    !d.top.length &&
    !d.states.added.length &&
    !d.states.removed.length &&
    !d.states.changed.length &&
    !d.transitions.added.length &&
    !d.transitions.removed.length &&
    !d.transitions.changed.length &&
    !d.forms.changed.length &&
    !d.roles.added.length &&
    !d.roles.removed.length &&
    !d.roles.changed.length
  );
}
