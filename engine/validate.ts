// Flow validation: the JSON Schema first (shape), then what a schema cannot say (references,
// guards, durations, vote rules, reachability). Every issue carries the JSON pointer of its place.
import flowSchema from '../flows/flow.schema.json' with { type: 'json' };
import { checkFlowShape } from '#schema-backend';
import { compileSchema, issuesOf } from './forms.ts';
import { guardProblem } from './expressions.ts';
import { durationProblem } from './time.ts';
import { ruleProblem } from './votes.ts';
import { escapeToken, parsePointer } from './pointer.ts';
import { transitionList } from './transitions.ts';
import { schemaAt } from './labels.ts';
import { markProblems, pathsOverlap, personalFields, type PersonalField } from './personal.ts';
import type { Calendar, Flow, FlowIssue, JsonSchema, StateConfig } from './types.ts';

/** Plain words for the schema's patterns, so no one is shown a regular expression. */
const defs = flowSchema.definitions;
const PATTERN_WORDS: Record<string, string> = {
  [flowSchema.properties.id.pattern]: 'must be kebab-case, e.g. five-deliberations-two-disclosures',
  [flowSchema.properties.version.pattern]: 'must be a semantic version such as 1.0.0',
  [defs.snakeId.pattern]: 'must be snake_case: lower-case letters, digits and "_", starting with a letter',
  [defs.eventName.pattern]: 'event names are UPPER_SNAKE_CASE, or an engine event such as VOTE.PASSED',
  [defs.duration.pattern]: 'is not an ISO-8601 duration (e.g. P7D, PT72H)',
  [defs.pointer.pattern]: 'must be a JSON pointer such as /proposal/subject',
  [defs.rule.properties.ratio.pattern]: 'must be a fraction of whole numbers such as 2/3',
};

function plainIssue(issue: FlowIssue, input: unknown): FlowIssue {
  const pattern = issue.message.match(/^must match pattern "(.*)"$/)?.[1];
  if (pattern !== undefined && PATTERN_WORDS[pattern]) return { pointer: issue.pointer, message: PATTERN_WORDS[pattern] };
  const key = issue.message.match(/^unknown key "(.*)"$/)?.[1];
  const inState = issue.pointer.match(/^\/states\/([^/]+)\/[^/]+$/);
  if (key && inState) {
    const kind = (input as Flow).states?.[inState[1]!.replace(/~1/g, '/').replace(/~0/g, '~')]?.kind;
    if (kind === 'final' && ['on', 'after', 'roles', 'deadline'].includes(key)) {
      return { pointer: issue.pointer, message: `a final state takes no events, timers or roles ("${key}")` };
    }
    if (UNSUPPORTED[key]) return { pointer: issue.pointer, message: UNSUPPORTED[key] };
  }
  return issue;
}

const MAX_DEPTH = 64;
const MAX_NODES = 200_000;

/** Keys of XState configs that villageflow deliberately does not take, with the reason. */
const UNSUPPORTED: Record<string, string> = {
  states: 'nested states are not supported: keep states flat',
  type: 'only final states take "type": "final"',
  entry: 'entry actions are not allowed: flows name behaviour, they do not contain it',
  exit: 'exit actions are not allowed: flows name behaviour, they do not contain it',
  actions: 'actions are not allowed: flows name behaviour, they do not contain it',
  invoke: 'invoke is not supported',
  always: 'eventless ("always") transitions are not supported; use a guard on an event',
  context: 'put instance data in the flow\'s "data" schema, not "context"',
};

/** Engine-raised or engine-handled events, and the state kinds that may name them in `on`. */
const ENGINE_EVENTS: Record<string, StateConfig['kind'][]> = {
  SUBMIT: ['task'],
  APPROVE: ['review'],
  RETURN: ['review'],
  REJECT: ['review'],
  OBJECT: ['disclosure'],
  'VOTE.PASSED': ['vote'],
  'VOTE.FAILED': ['vote'],
  'VOTE.NO_QUORUM': ['vote'],
  'DISCLOSURE.ENDED': ['disclosure'],
  'DEADLINE.EXCEEDED': ['task', 'vote', 'review'],
};
/** Events the engine takes itself; a flow may not redefine them. */
export const RESERVED_EVENTS = new Set(['START', 'TIMER', 'RECORD_VOTE', 'CAST_BALLOT', 'CLOSE_VOTE']);

function sizeProblem(value: unknown): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  let nodes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++nodes > MAX_NODES) return `flow is too large (more than ${MAX_NODES} JSON values)`;
    if (depth > MAX_DEPTH) return `flow is nested too deeply (more than ${MAX_DEPTH} levels)`;
    if (v && typeof v === 'object') for (const c of Object.values(v)) stack.push([c, depth + 1]);
  }
  return null;
}

/** Whether the subject field is one login name: a string the data schema declares (refs followed). */
function subjectProblem(flow: Flow, pointer: string): string | null {
  const schema = schemaAt(flow, pointer);
  if (!schema) return `"${pointer}" is not declared in the flow's data schema`;
  if (schema.type !== 'string') return `"${pointer}" must be a string field: it holds the login name of the account of the person the matter is about`;
  return null;
}

/** Whether a JSON pointer into instance data names a place the data schema allows. */
function pointerProblem(data: JsonSchema, pointer: string): string | null {
  let schema: JsonSchema | undefined = data;
  for (const key of parsePointer(pointer)) {
    if (!schema || typeof schema !== 'object' || '$ref' in schema) return null;
    const props = schema.properties as Record<string, JsonSchema> | undefined;
    if (typeof schema.type === 'string' && schema.type !== 'object') {
      return `"${pointer}" goes inside a value the data schema declares as ${schema.type}, not an object`;
    }
    if (props && Object.hasOwn(props, key)) {
      schema = props[key];
    } else if (schema.additionalProperties === false) {
      return `"${pointer}" is not declared in the flow's data schema (no property "${key}")`;
    } else {
      return null;
    }
  }
  return null;
}

/** A schema with its local `$ref` (into the same root) followed; undefined when it cannot be followed. */
function deref(root: JsonSchema, schema: unknown): JsonSchema | undefined {
  let s = schema;
  for (let hops = 0; hops < 16; hops++) {
    if (s === true || s === undefined) return {};
    if (!s || typeof s !== 'object' || Array.isArray(s)) return undefined;
    const ref = (s as JsonSchema).$ref;
    if (ref === undefined) return s as JsonSchema;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
    let target: unknown = root;
    for (const key of parsePointer(ref.slice(1))) target = target && typeof target === 'object' ? (target as JsonSchema)[key] : undefined;
    s = target;
  }
  return undefined;
}

/** The schema of property `key` of an object schema: in `properties`, or in a branch (allOf, if/then …) of it. */
function propertySchema(root: JsonSchema, schema: JsonSchema, key: string, depth = 0): JsonSchema | undefined {
  if (depth > 8) return undefined; // a schema whose branches refer back to itself
  const props = schema.properties as Record<string, unknown> | undefined;
  if (props && typeof props === 'object' && Object.hasOwn(props, key)) return deref(root, props[key]);
  for (const k of ['allOf', 'anyOf', 'oneOf', 'then', 'else']) {
    const branches = schema[k];
    for (const b of Array.isArray(branches) ? branches : branches === undefined ? [] : [branches]) {
      const branch = deref(root, b);
      const found = branch && propertySchema(root, branch, key, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

type Walk = { schema: JsonSchema | undefined } | { problem: string };

/**
 * Walks a pointer through a schema. `strict`: every step must be a declared property (a form's
 * fields); otherwise only a closed object (additionalProperties: false) refuses an undeclared key,
 * and the walk ends with an unknown schema where nothing more can be said (instance data).
 */
function walkSchema(root: JsonSchema, pointer: string, strict: boolean, what: string): Walk {
  let schema: JsonSchema | undefined = root;
  for (const key of parsePointer(pointer)) {
    if (!schema) return { schema: undefined };
    if (typeof schema.type === 'string' && schema.type !== 'object') return { problem: `"${pointer}" goes inside a value ${what} declares as ${schema.type}, not an object` };
    const found = propertySchema(root, schema, key);
    if (found) schema = found;
    else if (strict) return { problem: `"${pointer}" is not a field of the form (no property "${key}" in its schema)` };
    else if (schema.additionalProperties === false) return { problem: `"${pointer}" is not declared in the flow's data schema (no property "${key}")` };
    else schema = undefined;
  }
  return { schema };
}

/** Why a prefill entry (form field ← instance data) cannot work, or null. */
function prefillProblem(form: JsonSchema, data: JsonSchema, field: string, source: string): string | null {
  const f = walkSchema(form, field, true, 'the form');
  if ('problem' in f) return f.problem;
  const d = walkSchema(data, source, false, 'the data schema');
  // Worded like the other data-pointer checks, so the designer's translations of them apply.
  if ('problem' in d) return d.problem;
  const ft = f.schema?.type;
  const dt = d.schema?.type;
  if (typeof ft === 'string' && typeof dt === 'string' && ft !== dt && !(ft === 'number' && dt === 'integer')) {
    return `field "${field}" is ${ft} but its source "${source}" is ${dt} in the data schema`;
  }
  return null;
}

export function validateFlow(input: unknown): FlowIssue[] {
  const size = sizeProblem(input);
  if (size) return [{ pointer: '', message: size }];
  const shapeErrors = checkFlowShape(input);
  // A flow file's problems read in its designer's words (the message), not a form's (code).
  if (shapeErrors) return issuesOf(shapeErrors).map(({ pointer, message }) => plainIssue({ pointer, message }, input));
  return semanticIssues(input as unknown as Flow);
}

function semanticIssues(flow: Flow): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const add = (pointer: string, message: string) => issues.push({ pointer, message });
  const stateIds = new Set(Object.keys(flow.states));
  const roleIds = new Set(Object.keys(flow.roles));
  const checkRoles = (roles: string[] | undefined, pointer: string) =>
    roles?.forEach((r, i) => roleIds.has(r) || add(`${pointer}/${i}`, `role "${r}" is not declared in /roles`));
  const checkPeriod = (duration: string, calendar: Calendar | undefined, pointer: string) => {
    const p = durationProblem(duration, calendar);
    if (p) add(pointer, p);
  };

  const dataSchema = compileSchema(flow.data);
  if ('problem' in dataSchema) add('/data', dataSchema.problem);
  const personal = personalChecks(flow, add);
  if (!stateIds.has(flow.initial)) add('/initial', `initial state "${flow.initial}" is not in /states`);
  checkRoles(flow.starters, '/starters');
  checkRoles(flow.readers, '/readers');
  if (flow.subject !== undefined) {
    const q = pointerProblem(flow.data, flow.subject) ?? personal.readsData(flow.subject, 'the subject') ?? subjectProblem(flow, flow.subject);
    if (q) add('/subject', q);
  }

  const edges = new Map<string, Set<string>>();
  for (const [id, state] of Object.entries(flow.states)) {
    const sp = `/states/${escapeToken(id)}`;
    const out = new Set<string>();
    edges.set(id, out);
    checkRoles(state.roles, `${sp}/roles`);
    if (state.kind === 'final') {
      if (state.type !== undefined && state.type !== 'final') add(`${sp}/type`, 'type must be "final"');
      continue;
    }
    if (state.deadline) {
      checkPeriod(state.deadline.duration, state.deadline.calendar, `${sp}/deadline/duration`);
      state.deadline.daysFrom?.forEach((ptr, i) => {
        const q = pointerProblem(flow.data, ptr) ?? personal.readsData(ptr, 'a deadline');
        if (q) add(`${sp}/deadline/daysFrom/${i}`, q);
      });
    }

    if (state.form) {
      const compiled = compileSchema(state.form.schema);
      if ('problem' in compiled) add(`${sp}/form/schema`, compiled.problem);
      const p = pointerProblem(flow.data, state.form.saveTo);
      if (p) add(`${sp}/form/saveTo`, p);
      for (const [field, source] of Object.entries(state.form.prefill ?? {})) {
        const q = prefillProblem(state.form.schema, flow.data, field, source) ?? personal.readsData(source, 'prefill') ?? personal.formField(state.form.schema, field);
        if (q) add(`${sp}/form/prefill/${escapeToken(field)}`, q);
      }
      personal.form(state.form.schema, state.form.saveTo, `${sp}/form`);
    }
    if (state.vote) {
      const v = state.vote;
      if (!roleIds.has(v.electorate)) add(`${sp}/vote/electorate`, `role "${v.electorate}" is not declared in /roles`);
      if (v.quorum) {
        const p = ruleProblem(v.quorum, 'quorum');
        if (p) add(`${sp}/vote/quorum`, p);
      }
      const p = ruleProblem(v.pass, 'pass');
      if (p) add(`${sp}/vote/pass`, p);
      if (v.saveTo) {
        const q = pointerProblem(flow.data, v.saveTo);
        if (q) add(`${sp}/vote/saveTo`, q);
      }
      if (v.secret && v.mode !== 'ballot') add(`${sp}/vote/secret`, 'only a vote in ballot mode can be secret: a meeting record counts hands, not ballots');
    }
    if (state.review?.saveTo) {
      const q = pointerProblem(flow.data, state.review.saveTo);
      if (q) add(`${sp}/review/saveTo`, q);
    }
    if (state.disclosure) {
      const d = state.disclosure;
      checkPeriod(d.period.duration, d.period.calendar, `${sp}/disclosure/period/duration`);
      d.publish.forEach((ptr, i) => {
        const q = pointerProblem(flow.data, ptr) ?? personal.readsData(ptr, 'a public notice');
        if (q) add(`${sp}/disclosure/publish/${i}`, q);
      });
    }

    const on = state.on ?? {};
    for (const [event, value] of Object.entries(on)) {
      const ep = `${sp}/on/${escapeToken(event)}`;
      if (RESERVED_EVENTS.has(event)) {
        add(ep, `"${event}" is handled by the engine itself and cannot be used in "on"`);
        continue;
      }
      const kinds = ENGINE_EVENTS[event];
      if (kinds && !kinds.includes(state.kind)) {
        add(ep, `"${event}" belongs to ${kinds.join('/')} states, not to a ${state.kind} state`);
      } else if (!kinds && event.includes('.')) {
        add(ep, `unknown engine event "${event}" (custom events have no dot)`);
      }
      if (event === 'SUBMIT' && !state.form) add(ep, 'SUBMIT carries a form, but this task has no "form"');
      if (event === 'DEADLINE.EXCEEDED' && !state.deadline) add(ep, 'DEADLINE.EXCEEDED needs a "deadline" on this state');
      if (event === 'VOTE.NO_QUORUM' && state.vote && !state.vote.quorum) add(ep, 'VOTE.NO_QUORUM needs a "quorum" rule on this vote');
      const list = Array.isArray(value) ? value : [value];
      transitionList(value).forEach((t, i) => {
        const tp = Array.isArray(value) ? `${ep}/${i}` : ep;
        const obj = typeof list[i] === 'string' ? null : tp;
        if (t.target !== undefined) {
          if (!stateIds.has(t.target)) add(obj ? `${tp}/target` : tp, `target "${t.target}" is not in /states`);
          else out.add(t.target);
        }
        if (obj) {
          checkRoles(t.roles, `${tp}/roles`);
          if (t.guard) {
            const g = guardProblem(t.guard) ?? personal.guard(t.guard, event === 'SUBMIT' ? state.form?.schema : undefined);
            if (g) add(`${tp}/guard`, g);
          }
        }
      });
    }
    const need = (event: string, why: string) => on[event] === undefined && add(`${sp}/on`, `a ${why} needs "${event}" in "on"`);
    if (state.kind === 'task' && state.form) need('SUBMIT', 'task with a form');
    if (state.kind === 'vote') {
      need('VOTE.PASSED', 'vote');
      need('VOTE.FAILED', 'vote');
      if (state.vote?.quorum) need('VOTE.NO_QUORUM', 'vote with a quorum');
    }
    if (state.kind === 'review') need('APPROVE', 'review');
    if (state.kind === 'disclosure') need('DISCLOSURE.ENDED', 'disclosure');

    for (const [key, value] of Object.entries(state.after ?? {})) {
      const ap = `${sp}/after/${escapeToken(key)}`;
      const t = typeof value === 'string' ? { target: value } : value;
      checkPeriod(key, typeof value === 'string' ? undefined : value.calendar, ap);
      if (!stateIds.has(t.target)) add(typeof value === 'string' ? ap : `${ap}/target`, `target "${t.target}" is not in /states`);
      else out.add(t.target);
      if (typeof value !== 'string' && value.guard) {
        const g = guardProblem(value.guard) ?? personal.guard(value.guard, undefined);
        if (g) add(`${ap}/guard`, g);
      }
    }
  }

  personal.finish();
  if (stateIds.has(flow.initial)) reachability(flow, edges, add);
  return issues;
}

/** The places a guard reads under `payload` and `data`: each member chain, a non-literal index as "*". */
function guardReads(expression: string): { root: 'payload' | 'data'; path: string[] }[] {
  const reads: { root: 'payload' | 'data'; path: string[] }[] = [];
  const chain = /\b(payload|data)((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*|\s*\[[^\]]*\])*)/g;
  for (const m of expression.matchAll(chain)) {
    const path = [...m[2]!.matchAll(/\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:"([^"]*)"|'([^']*)'|[^\]]*)\s*\]/g)].map((k) => k[1] ?? k[2] ?? k[3] ?? '*');
    reads.push({ root: m[1] as 'payload' | 'data', path });
  }
  return reads;
}

/**
 * The rules for personal fields (see personal.ts): marks only where they can work, a flow that
 * marks any names who may see them, a form and the data it is saved to agree on which fields are
 * personal, and nothing the engine evaluates or publishes reads one (guards, prefill, deadlines,
 * public notices): replay and verify run without the values.
 */
function personalChecks(flow: Flow, add: (p: string, m: string) => void) {
  const dataFields = personalFields(flow.data);
  for (const issue of markProblems(flow.data)) add(`/data${issue.pointer}`, issue.message);
  let marked = dataFields.length > 0;
  const text = (f: PersonalField) => '/' + f.path.join('/');
  const readsData = (pointer: string, what: string): string | null => {
    const path = parsePointer(pointer);
    const hit = dataFields.find((f) => pathsOverlap(f.path, path));
    return hit ? `${what} may not read the personal field ${text(hit)}: personal values stay off the chain` : null;
  };
  const checks = {
    readsData,
    formField(schema: JsonSchema, field: string): string | null {
      const path = parsePointer(field);
      const hit = personalFields(schema).find((f) => pathsOverlap(f.path, path));
      return hit ? `prefill may not fill the personal field ${text(hit)}` : null;
    },
    form(schema: JsonSchema, saveTo: string, pointer: string) {
      const problems = markProblems(schema);
      for (const issue of problems) add(`${pointer}/schema${issue.pointer}`, issue.message);
      if (problems.length) return;
      const own = personalFields(schema).map((f) => `${text(f)} (${f.kind})`);
      marked ||= own.length > 0;
      const base = parsePointer(saveTo);
      const saved = dataFields.filter((f) => f.path.length > base.length && pathsOverlap(f.path.slice(0, base.length), base)).map((f) => `${'/' + f.path.slice(base.length).join('/')} (${f.kind})`);
      const missing = own.filter((f) => !saved.includes(f));
      const extra = saved.filter((f) => !own.includes(f));
      if (missing.length || extra.length) {
        add(pointer, `the form's personal fields must be the personal fields of the data at "${saveTo}"` + (missing.length ? `; not marked so in the data: ${missing.join(', ')}` : '') + (extra.length ? `; not marked so in the form: ${extra.join(', ')}` : ''));
      }
    },
    guard(expression: string, form: JsonSchema | undefined): string | null {
      const formFields = form ? personalFields(form) : [];
      for (const read of guardReads(expression)) {
        const hit = (read.root === 'data' ? dataFields : formFields).find((f) => pathsOverlap(f.path, read.path));
        if (hit) return `guard "${expression}" may not read the personal field ${read.root}${text(hit).replace(/\//g, '.')}: replay and verify run without personal values`;
      }
      return null;
    },
  };
  return Object.assign(checks, {
    /** After the states are checked: a flow with personal fields must say who may see them. */
    finish() {
      const p = flow.personal;
      if (p) {
        p.reveal.forEach((r, i) => Object.hasOwn(flow.roles, r) || add(`/personal/reveal/${i}`, `role "${r}" is not declared in /roles`));
        if (p.retention) {
          const q = durationProblem(p.retention, 'natural');
          if (q) add('/personal/retention', q);
        }
      } else if (marked) add('', 'the flow marks fields personal ("x-personal"): say in "personal" which roles may see them');
    },
  });
}

function reachability(flow: Flow, edges: Map<string, Set<string>>, add: (p: string, m: string) => void) {
  const reached = new Set([flow.initial]);
  const queue = [flow.initial];
  while (queue.length) for (const next of edges.get(queue.shift()!) ?? []) if (!reached.has(next)) reached.add(next), queue.push(next);
  // States from which some final state can be reached: a walk backwards from the finals.
  const canFinish = new Set(Object.keys(flow.states).filter((id) => flow.states[id]!.kind === 'final'));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [id, out] of edges) if (!canFinish.has(id) && [...out].some((t) => canFinish.has(t))) canFinish.add(id), (grew = true);
  }
  for (const [id, state] of Object.entries(flow.states)) {
    const sp = `/states/${escapeToken(id)}`;
    if (!reached.has(id)) add(sp, `state "${id}" cannot be reached from the initial state "${flow.initial}"`);
    else if (state.kind !== 'final' && ![...edges.get(id)!].some((t) => t !== id)) add(sp, `state "${id}" has no way out: no transition leads to another state`);
    else if (!canFinish.has(id)) add(sp, `state "${id}" can never reach a final state (a cycle with no exit)`);
  }
}
