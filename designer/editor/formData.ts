// A task's form and the flow's data schema kept in step. A form saves to a part of the instance
// data (its saveTo); when that part is declared in the data schema, a field added to the form is
// declared there too (a closed part would otherwise refuse the submit with DATA_INVALID, and an
// open one would show the field by its key, not its title), a field edited follows while the
// declaration is still the one the form gave it, and a field removed is taken out unless
// something else still uses it (another form saving there, a condition, a disclosure, a deadline
// read from the data, a vote or review saving under it). Pure, like edits.ts.
import { escapeToken, parsePointer, sameJson, transitionsOf, type Flow, type FormConfig, type JsonSchema } from '../../engine/index.ts';
import { setFlowProps, setStateProps } from './edits.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** The fields a form collects, by key: its properties and those shown under a condition (allOf if/then). */
export function formFields(form: FormConfig | undefined): Map<string, Obj> {
  const out = new Map<string, Obj>();
  if (!form || !isObj(form.schema)) return out;
  const add = (props: unknown) => {
    if (!isObj(props)) return;
    for (const [k, v] of Object.entries(props)) if (isObj(v) && !out.has(k)) out.set(k, v);
  };
  add(form.schema.properties);
  const parts = Array.isArray(form.schema.allOf) ? form.schema.allOf : [];
  for (const part of parts) {
    if (!isObj(part)) continue;
    if (isObj(part.then)) add(part.then.properties);
    if (isObj(part.else)) add(part.else.properties);
  }
  return out;
}

/** Follows a local `$ref` (`#/$defs/x`, `#/definitions/x`) to the path of what it names. */
function resolved(data: Obj, path: string[]): string[] | null {
  for (let hops = 0; hops < 8; hops++) {
    const node = at(data, path);
    if (!isObj(node) || typeof node.$ref !== 'string') return path;
    const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(node.$ref);
    if (!m) return null;
    path = [m[1]!, m[2]!.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return null;
}

function at(root: unknown, path: string[]): unknown {
  let node = root;
  for (const k of path) node = isObj(node) ? node[k] : undefined;
  return node;
}

function withAt(root: Obj, path: string[], value: unknown): Obj {
  if (path.length === 0) return value as Obj;
  const [head, ...rest] = path;
  const child = isObj(root[head!]) ? (root[head!] as Obj) : {};
  return { ...root, [head!]: withAt(child, rest, value) };
}

/**
 * Where in the data schema the part at `pointer` is declared, as a path of keys (local $refs
 * followed), or null when it is not declared as an object reached through `properties`.
 */
export function dataPartPath(data: JsonSchema | undefined, pointer: string): string[] | null {
  if (!isObj(data)) return null;
  let tokens: string[];
  try {
    tokens = parsePointer(pointer);
  } catch {
    return null;
  }
  // The data root is the whole instance's: a form saving there is left to the author.
  if (tokens.length === 0) return null;
  let path: string[] | null = [];
  for (const token of tokens) {
    path = resolved(data, path);
    if (!path) return null;
    const props = (at(data, path) as Obj).properties;
    if (!isObj(props) || !Object.hasOwn(props, token)) return null;
    path = [...path, 'properties', token];
  }
  path = resolved(data, path);
  if (!path) return null;
  const part = at(data, path);
  return isObj(part) && (part.type === 'object' || isObj(part.properties)) ? path : null;
}

/** The data declaration of a form field: the field's own schema (the form checks the same). */
function declaration(field: Obj): Obj {
  return JSON.parse(JSON.stringify(field)) as Obj;
}

/** Whether anything but the form of `stateId` uses the data at `pointer` (or under it). */
export function usedElsewhere(flow: Flow, stateId: string, pointer: string): boolean {
  const near = (p: unknown) => typeof p === 'string' && (p === pointer || p.startsWith(`${pointer}/`));
  const tokens = parsePointer(pointer);
  const dotted = new RegExp(`\\bdata\\.${tokens.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\.')}\\b`);
  const guarded = (g: unknown) => typeof g === 'string' && dotted.test(g);
  const key = tokens.at(-1)!;
  const parent = `/${tokens.slice(0, -1).map(escapeToken).join('/')}`;
  for (const [id, s] of Object.entries(flow.states)) {
    if (id !== stateId && s.form && s.form.saveTo === parent && formFields(s.form).has(key)) return true;
    if (Object.values(s.form?.prefill ?? {}).some(near)) return true;
    if (near(s.vote?.saveTo) || near(s.review?.saveTo)) return true;
    if ((s.disclosure?.publish ?? []).some(near) || (s.deadline?.daysFrom ?? []).some(near)) return true;
    if (transitionsOf(flow, id).some(({ t }) => guarded(t.guard))) return true;
  }
  return false;
}

/**
 * The flow with the data part the form of `stateId` saves to brought in step with the form, from
 * `before` (the form as it was) to the form the state has now. Unchanged flow when nothing is due.
 */
export function syncFormData(flow: Flow, stateId: string, before: FormConfig | undefined): Flow {
  const form = flow.states[stateId]?.form;
  if (!form) return flow;
  const path = dataPartPath(flow.data, form.saveTo);
  if (!path) return flow;
  const part = at(flow.data, path) as Obj;
  const props: Obj = { ...(isObj(part.properties) ? part.properties : {}) };
  let required = Array.isArray(part.required) ? [...(part.required as unknown[])] : undefined;
  const old = before && before.saveTo === form.saveTo ? formFields(before) : new Map<string, Obj>();
  const now = formFields(form);
  let changed = false;
  for (const [k, field] of now) {
    const mine = declaration(field);
    const was = old.get(k);
    // New here, or still as the form declared it before: follows the field.
    if (!Object.hasOwn(props, k) || (was && sameJson(props[k], declaration(was)) && !sameJson(props[k], mine))) {
      props[k] = mine;
      changed = true;
    }
  }
  for (const k of old.keys()) {
    if (now.has(k) || !Object.hasOwn(props, k)) continue;
    if (usedElsewhere(flow, stateId, `${form.saveTo}/${escapeToken(k)}`)) continue;
    delete props[k];
    if (required?.includes(k)) required = required.filter((r) => r !== k);
    changed = true;
  }
  if (!changed) return flow;
  const next: Obj = { ...part, properties: props };
  if (required) next.required = required;
  return setFlowProps(flow, { data: withAt(flow.data as Obj, path, next) as JsonSchema });
}

/** Sets a task's form (undefined removes it) and keeps the data part it saves to in step. */
export function setForm(flow: Flow, stateId: string, form: FormConfig | undefined): Flow {
  const before = flow.states[stateId]?.form;
  const next = setStateProps(flow, stateId, { form });
  return next === flow ? flow : syncFormData(next, stateId, before);
}
