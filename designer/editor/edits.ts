// Document edits of the flow designer: small pure functions, each taking a flow and returning a
// new one (the input is never changed; parts not touched are shared). An edit that changes
// nothing returns the very same flow, so the store can tell a no-op from an edit. Key order is
// kept wherever a key is replaced (renaming a state keeps its place), so an exported flow reads
// like the one imported.
import { durationProblem, sameJson, type Calendar, type Flow, type StateConfig, type StateKind, type Text, type TransitionConfig, type TransitionObject, type TransitionRef } from '../../engine/index.ts';


/** A transition's parts as the inspector edits them; `undefined` removes a part. */
export interface TransitionPatch {
  event?: string;
  target?: string | undefined;
  guard?: string | undefined;
  roles?: string[] | undefined;
  description?: Text | undefined;
}

type Patch<T> = { [K in keyof T]?: T[K] | undefined };

/** A copy of `obj` with `key` renamed to `to` in the same place, its value replaced by `value`. */
function renameKey<V>(obj: Record<string, V>, from: string, to: string, value: V): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === from) out[to] = value;
    else if (k !== to) out[k] = v;
  }
  return out;
}

function withState(flow: Flow, id: string, state: StateConfig): Flow {
  return { ...flow, states: { ...flow.states, [id]: state } };
}

function list(value: TransitionConfig | TransitionConfig[]): TransitionConfig[] {
  return Array.isArray(value) ? value : [value];
}
function objectOf(t: TransitionConfig): TransitionObject {
  return typeof t === 'string' ? { target: t } : t;
}
/** The shortest form: a bare target id when that is all there is. */
function compact(t: TransitionObject): TransitionConfig {
  const keys = Object.keys(t).filter((k) => t[k as keyof TransitionObject] !== undefined);
  if (keys.length === 1 && keys[0] === 'target') return t.target!;
  const out: TransitionObject = {};
  for (const k of ['target', 'guard', 'roles', 'description'] as const) if (t[k] !== undefined) (out as Record<string, unknown>)[k] = t[k];
  return out;
}
function packed(items: TransitionConfig[]): TransitionConfig | TransitionConfig[] | undefined {
  if (items.length === 0) return undefined;
  return items.length === 1 ? items[0]! : items;
}

// ---- flow ---------------------------------------------------------------------------------

export type FlowMeta = Pick<Flow, 'id' | 'version' | 'title' | 'description' | 'starters' | 'readers' | 'subject' | 'initial' | 'data' | '$schema'>;

/** Sets top-level properties; `undefined` removes an optional one. */
export function setFlowProps(flow: Flow, patch: Patch<FlowMeta>): Flow {
  return (withPatch(flow as unknown as Record<string, unknown>, patch) as unknown as Flow | null) ?? flow;
}

/** `obj` with `patch` applied (`undefined` removes a key), or null when that changes nothing. */
function withPatch(obj: Record<string, unknown>, patch: object): Record<string, unknown> | null {
  let changed = false;
  const next: Record<string, unknown> = { ...obj };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) {
      if (k in next) delete next[k], (changed = true);
    } else if (!sameJson(next[k], v)) {
      next[k] = v;
      changed = true;
    }
  }
  return changed ? next : null;
}

// ---- roles --------------------------------------------------------------------------------

/** Adds a role or changes its label. */
export function setRole(flow: Flow, id: string, label: Text): Flow {
  if (sameJson(flow.roles[id], label)) return flow;
  return { ...flow, roles: { ...flow.roles, [id]: label } };
}

function mapRoleLists(flow: Flow, fn: (roles: string[]) => string[] | undefined): Flow {
  const states: Record<string, StateConfig> = {};
  for (const [id, s] of Object.entries(flow.states)) {
    let state: StateConfig = s;
    if (s.roles) {
      const r = fn(s.roles);
      state = { ...state };
      if (r === undefined) delete state.roles;
      else state.roles = r;
    }
    if (s.vote) {
      const e = fn([s.vote.electorate]);
      if (e?.[0] && e[0] !== s.vote.electorate) state = { ...state, vote: { ...s.vote, electorate: e[0] } };
    }
    if (s.on) {
      const on: Record<string, TransitionConfig | TransitionConfig[]> = {};
      for (const [event, value] of Object.entries(s.on)) {
        const items = list(value).map((t) => {
          if (typeof t === 'string' || !t.roles) return t;
          const r = fn(t.roles);
          return compact({ ...t, roles: r && r.length ? r : undefined });
        });
        on[event] = Array.isArray(value) ? items : items[0]!;
      }
      state = { ...state, on };
    }
    states[id] = state;
  }
  const starters = fn(flow.starters) ?? [];
  return { ...flow, starters, ...(flow.readers ? { readers: fn(flow.readers) ?? [] } : {}), states };
}

/** Renames a role everywhere it is named: roles lists, starters, readers, transitions, electorates. */
export function renameRole(flow: Flow, from: string, to: string): Flow {
  if (from === to || !Object.hasOwn(flow.roles, from) || Object.hasOwn(flow.roles, to)) return flow;
  const renamed = { ...flow, roles: renameKey(flow.roles, from, to, flow.roles[from]!) };
  return mapRoleLists(renamed, (roles) => roles.map((r) => (r === from ? to : r)));
}

/** Deletes a role and removes it from every list (an electorate naming it is left for the validator). */
export function deleteRole(flow: Flow, id: string): Flow {
  if (!Object.hasOwn(flow.roles, id)) return flow;
  const roles = { ...flow.roles };
  delete roles[id];
  const removed = mapRoleLists({ ...flow, roles }, (list) => {
    const r = list.filter((x) => x !== id);
    return r;
  });
  // An electorate cannot be emptied; keep it (the validator names it).
  for (const [sid, s] of Object.entries(flow.states)) if (s.vote && removed.states[sid]?.vote) removed.states[sid] = { ...removed.states[sid]!, vote: s.vote };
  return removed;
}

// ---- states -------------------------------------------------------------------------------

/** A fresh state of a kind, complete enough for the schema; `roles` picks its actors. */
export function newState(kind: StateKind, title: Text, roles: string[], flow?: Flow): StateConfig {
  const r = roles.length ? roles : ['party_secretary'];
  switch (kind) {
    case 'task':
      return { kind, title, roles: r, on: {} };
    case 'vote': {
      const electorate = flow && Object.hasOwn(flow.roles, 'villager_representative') ? 'villager_representative' : r[0]!;
      return {
        kind,
        title,
        roles: r,
        vote: {
          body: { zh: '村民代表会议', en: "Villagers' representative meeting" },
          electorate,
          mode: 'record',
          quorum: { of: 'all', op: '>=', ratio: '2/3' },
          pass: { of: 'present', op: '>', ratio: '1/2' },
        },
        on: {},
      };
    }
    case 'review':
      return { kind, title, roles: r, on: {} };
    case 'disclosure': {
      const first = flow ? Object.keys((flow.data.properties as Record<string, unknown> | undefined) ?? {})[0] : undefined;
      return { kind, title, roles: r, disclosure: { publish: [`/${first ?? 'proposal'}`], period: { duration: 'P7D', calendar: 'natural' } }, on: {} };
    }
    case 'final':
      return { kind, type: 'final', title, outcome: 'completed' };
  }
}

/** A state id not yet used: `base`, else `base_2`, `base_3`, … */
export function freeStateId(flow: Flow, base: string): string {
  if (!Object.hasOwn(flow.states, base)) return base;
  for (let i = 2; ; i++) if (!Object.hasOwn(flow.states, `${base}_${i}`)) return `${base}_${i}`;
}

/** Adds a state (at the end); an id already taken changes nothing. */
export function addState(flow: Flow, id: string, state: StateConfig): Flow {
  if (Object.hasOwn(flow.states, id)) return flow;
  return withState(flow, id, state);
}

/** Renames a state in place and updates every target naming it and `initial`. */
export function renameState(flow: Flow, from: string, to: string): Flow {
  if (from === to || !Object.hasOwn(flow.states, from) || Object.hasOwn(flow.states, to)) return flow;
  const retarget = (t: TransitionConfig): TransitionConfig => (typeof t === 'string' ? (t === from ? to : t) : t.target === from ? { ...t, target: to } : t);
  const states: Record<string, StateConfig> = {};
  for (const [id, s] of Object.entries(renameKey(flow.states, from, to, flow.states[from]!))) {
    let state = s;
    if (s.on) {
      const on: Record<string, TransitionConfig | TransitionConfig[]> = {};
      for (const [event, value] of Object.entries(s.on)) on[event] = Array.isArray(value) ? value.map(retarget) : retarget(value);
      state = { ...state, on };
    }
    if (s.after) {
      const after: NonNullable<StateConfig['after']> = {};
      for (const [d, value] of Object.entries(s.after)) after[d] = typeof value === 'string' ? (value === from ? to : value) : value.target === from ? { ...value, target: to } : value;
      state = { ...state, after };
    }
    states[id] = state;
  }
  return { ...flow, initial: flow.initial === from ? to : flow.initial, states };
}

/** Deletes a state and every transition leading into it; `initial` moves to the first state left. */
export function deleteState(flow: Flow, id: string): Flow {
  if (!Object.hasOwn(flow.states, id)) return flow;
  const states: Record<string, StateConfig> = {};
  const into = (t: TransitionConfig) => objectOf(t).target === id;
  for (const [sid, s] of Object.entries(flow.states)) {
    if (sid === id) continue;
    let state = s;
    if (s.on && Object.values(s.on).some((v) => list(v).some(into))) {
      const on: Record<string, TransitionConfig | TransitionConfig[]> = {};
      for (const [event, value] of Object.entries(s.on)) {
        const kept = list(value).filter((t) => !into(t));
        const p = Array.isArray(value) && kept.length > 1 ? kept : packed(kept);
        if (p !== undefined) on[event] = p;
      }
      state = { ...state, on };
    }
    if (s.after && Object.values(s.after).some((v) => (typeof v === 'string' ? v : v.target) === id)) {
      const after: NonNullable<StateConfig['after']> = {};
      for (const [d, v] of Object.entries(s.after)) if ((typeof v === 'string' ? v : v.target) !== id) after[d] = v;
      state = { ...state };
      if (Object.keys(after).length) state.after = after;
      else delete state.after;
    }
    states[sid] = state;
  }
  const initial = flow.initial === id ? (Object.keys(states)[0] ?? flow.initial) : flow.initial;
  return { ...flow, initial, states };
}

/**
 * Sets properties of a state; `undefined` removes one. Changing the kind to or from `final`
 * adds or drops what the kind needs (type/outcome; roles/on), so the state stays of one shape.
 */
export function setStateProps(flow: Flow, id: string, patch: Patch<StateConfig>): Flow {
  const s = flow.states[id];
  if (!s) return flow;
  const next = withPatch(s as unknown as Record<string, unknown>, patch);
  if (!next) return flow;
  if (patch.kind && patch.kind !== s.kind) {
    const fresh = newState(patch.kind, s.title, s.roles ?? Object.keys(flow.roles).slice(0, 1), flow) as unknown as Record<string, unknown>;
    // Keep what both kinds share, take the rest from a fresh state of the new kind.
    const keep = ['title', 'description', ...(patch.kind === 'final' ? [] : ['roles', 'on', 'after', ...(patch.kind === 'disclosure' ? [] : ['deadline'])])];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fresh)) out[k] = keep.includes(k) && next[k] !== undefined ? next[k] : v;
    for (const k of keep) if (next[k] !== undefined && !(k in out)) out[k] = next[k];
    return withState(flow, id, out as unknown as StateConfig);
  }
  return withState(flow, id, next as unknown as StateConfig);
}

// ---- transitions --------------------------------------------------------------------------

/** The transition a ref names, as an object, or undefined. */
export function getTransition(flow: Flow, ref: TransitionRef): TransitionObject | undefined {
  const s = flow.states[ref.source];
  if (!s) return undefined;
  if (ref.event === 'after') {
    const v = ref.duration !== undefined ? s.after?.[ref.duration] : undefined;
    return v === undefined ? undefined : typeof v === 'string' ? { target: v } : { target: v.target, ...(v.guard ? { guard: v.guard } : {}), ...(v.description ? { description: v.description } : {}) };
  }
  const v = s.on?.[ref.event];
  if (v === undefined) return undefined;
  const t = list(v)[ref.index];
  return t === undefined ? undefined : objectOf(t);
}

/** Adds a transition: the event's only one (as a bare target), or appended to its list. */
export function addTransition(flow: Flow, source: string, event: string, t: TransitionObject): Flow {
  const s = flow.states[source];
  if (!s || s.kind === 'final') return flow;
  const on = { ...(s.on ?? {}) };
  const item = compact(t);
  const existing = on[event];
  on[event] = existing === undefined ? item : [...list(existing), item];
  return withState(flow, source, { ...s, on });
}

/** A timer (`after`) transition to add: its period is the key, so one per duration and state. */
export interface NewTimer {
  duration: string;
  calendar: Calendar;
  target: string;
}
export type TimerProblem = 'final' | 'noTarget' | 'unknownTarget' | 'duration' | 'workingDays' | 'taken';

/** Why a timer cannot be added to `source` as given, or null when it can. */
export function timerProblem(flow: Flow, source: string, timer: NewTimer): TimerProblem | null {
  const s = flow.states[source];
  if (!s || s.kind === 'final') return 'final';
  const problem = durationProblem(timer.duration, timer.calendar);
  if (problem) return timer.calendar === 'working' && !durationProblem(timer.duration, 'natural') ? 'workingDays' : 'duration';
  if (!timer.target) return 'noTarget';
  if (!Object.hasOwn(flow.states, timer.target)) return 'unknownTarget';
  if (s.after && Object.hasOwn(s.after, timer.duration)) return 'taken';
  return null;
}

/** Adds a timer transition; one that cannot be added (see timerProblem) changes nothing. */
export function addTimer(flow: Flow, source: string, timer: NewTimer): Flow {
  if (timerProblem(flow, source, timer)) return flow;
  const s = flow.states[source]!;
  // Natural days are the engine's default: the bare target is the shortest form.
  const value: NonNullable<StateConfig['after']>[string] = timer.calendar === 'working' ? { target: timer.target, calendar: 'working' } : timer.target;
  return withState(flow, source, { ...s, after: { ...(s.after ?? {}), [timer.duration]: value } });
}

/** Removes one transition; an event left with none is removed. */
export function deleteTransition(flow: Flow, ref: TransitionRef): Flow {
  const s = flow.states[ref.source];
  if (!s) return flow;
  if (ref.event === 'after') {
    if (ref.duration === undefined || !s.after || !(ref.duration in s.after)) return flow;
    const after = { ...s.after };
    delete after[ref.duration];
    const state = { ...s };
    if (Object.keys(after).length) state.after = after;
    else delete state.after;
    return withState(flow, ref.source, state);
  }
  const value = s.on?.[ref.event];
  if (value === undefined || list(value)[ref.index] === undefined) return flow;
  const kept = list(value).filter((_, i) => i !== ref.index);
  const on = { ...s.on };
  const p = packed(kept);
  if (p === undefined) delete on[ref.event];
  else on[ref.event] = p;
  return withState(flow, ref.source, { ...s, on });
}

/**
 * Changes a transition. A new event moves it to that event (appended to its list, or as its only
 * transition, in the old event's place when the old event had no other); the shortest form is kept.
 */
export function setTransition(flow: Flow, ref: TransitionRef, patch: TransitionPatch): Flow {
  const s = flow.states[ref.source];
  const current = getTransition(flow, ref);
  if (!s || !current) return flow;
  const merged: TransitionObject = { ...current };
  for (const k of ['target', 'guard', 'roles', 'description'] as const) {
    if (k in patch) {
      const v = patch[k];
      if (v === undefined || (Array.isArray(v) && v.length === 0) || v === '') delete merged[k];
      else (merged as Record<string, unknown>)[k] = v;
    }
  }
  if (ref.event === 'after') {
    if (!merged.target) return flow;
    const old = s.after![ref.duration!]!;
    const obj: Record<string, unknown> = typeof old === 'string' ? { target: old } : { ...old };
    obj.target = merged.target;
    for (const k of ['guard', 'description'] as const) {
      if (merged[k] !== undefined) obj[k] = merged[k];
      else delete obj[k];
    }
    const clean = Object.keys(obj).length === 1 ? merged.target : (obj as unknown as NonNullable<StateConfig['after']>[string]);
    if (sameJson(old, clean)) return flow;
    return withState(flow, ref.source, { ...s, after: { ...s.after, [ref.duration!]: clean } });
  }
  const event = patch.event ?? ref.event;
  const item = compact(merged);
  const value = s.on![ref.event]!;
  if (event === ref.event) {
    const items = list(value).map((t, i) => (i === ref.index ? item : t));
    const next = Array.isArray(value) ? items : items[0]!;
    if (sameJson(value, next)) return flow;
    return withState(flow, ref.source, { ...s, on: { ...s.on, [event]: next } });
  }
  const rest = list(value).filter((_, i) => i !== ref.index);
  const on: Record<string, TransitionConfig | TransitionConfig[]> = {};
  for (const [k, v] of Object.entries(s.on!)) {
    if (k === ref.event) {
      const p = packed(rest);
      if (p !== undefined) on[k] = p;
      else if (!Object.hasOwn(s.on!, event)) on[event] = item; // takes the old event's place
    } else if (k === event) {
      on[k] = [...list(v), item];
    } else on[k] = v;
  }
  if (!Object.hasOwn(on, event)) on[event] = item;
  return withState(flow, ref.source, { ...s, on });
}

/** The ref of a transition after `setTransition` moved it to another event. */
export function movedRef(before: Flow, ref: TransitionRef, event: string): TransitionRef {
  if (event === ref.event) return ref;
  const existing = before.states[ref.source]?.on?.[event];
  return { source: ref.source, event, index: existing === undefined ? 0 : list(existing).length };
}

// ---- a new flow ---------------------------------------------------------------------------

/** A flow from nothing: the common village roles, one task step to start from. */
export function blankFlow(id: string): Flow {
  return {
    $schema: './flow.schema.json',
    id,
    version: '1.0.0',
    title: { zh: '新流程', en: 'New flow' },
    roles: {
      party_secretary: { zh: '村党组织书记', en: 'Village Party organisation secretary' },
      committee_member: { zh: '村两委成员', en: 'Two-committee member' },
      clerk: { zh: '会议记录员', en: 'Meeting clerk' },
      villager_representative: { zh: '村民代表', en: "Villagers' representative" },
      villager: { zh: '村民', en: 'Villager' },
    },
    starters: ['party_secretary'],
    data: { type: 'object', properties: {} },
    initial: 'proposal',
    states: {
      proposal: { kind: 'task', title: { zh: '提议', en: 'Proposal' }, roles: ['party_secretary'], on: {} },
    },
  };
}

/** A copy of a flow to start a new one from: a new id and title, version 1.0.0. */
export function copyFlow(flow: Flow, id: string): Flow {
  const copy = JSON.parse(JSON.stringify(flow)) as Flow;
  return { ...copy, id, version: '1.0.0', title: { zh: `${flow.title.zh}（副本）`, ...(flow.title.en ? { en: `${flow.title.en} (copy)` } : {}) } };
}

/** The next patch version: 1.2.3 → 1.2.4 (a non-semver string gets ".1"). */
export function bumpVersion(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : `${version}.1`;
}
