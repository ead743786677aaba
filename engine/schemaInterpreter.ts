// JSON Schema (draft-07) checked by walking the schema, not by compiling it into code: how the web
// app checks values against the schemas township admins write at run time (step forms, instance
// data), since its Content-Security-Policy forbids compiling code (no 'unsafe-eval'). The errors
// are Ajv's error objects — same keyword, params, message and instancePath, in Ajv's order —
// because everything downstream reads them: engine/forms.ts (issuesOf), RJSF's error processing,
// designer/runner/formErrors.ts and designer/editor/issueWords.ts. The formats are ajv-formats'
// own functions. tests/engine/schema-interpreter.test.ts holds it to Ajv on every bundled form.
//
// Why not a library: the interpreting validators (@cfworker/json-schema and the like) word and
// shape their errors their own way (no params, other instance and schema paths), so each error
// would need rebuilding from the schema anyway; @cfworker/json-schema also writes properties into
// the schema it checks, which the engine's frozen flows refuse, and checks date-time without the
// time zone ajv-formats requires.
import type { ErrorObject } from 'ajv';
import * as formatsModule from 'ajv-formats/dist/formats.js';
import * as equalModule from 'ajv/dist/runtime/equal.js';
import { escapeToken, parsePointer } from './pointer.ts';

type Schema = boolean | Record<string, unknown>;
type FormatDef = RegExp | ((s: string) => boolean) | { type?: string; validate: RegExp | ((s: string) => boolean) };

/** A CommonJS module's exports, imported from ESM the same way by Node, Vite and esbuild. */
function exportsOf<T>(ns: unknown): T {
  const d = (ns as { default?: unknown }).default;
  return (d && typeof d === 'object' ? d : ns) as T;
}
const FORMATS = exportsOf<{ fullFormats: Record<string, FormatDef> }>(formatsModule).fullFormats;
const equal = exportsOf<{ default: (a: unknown, b: unknown) => boolean }>(equalModule).default;

export interface InterpretOptions {
  /** Ajv's multipleOfPrecision (RJSF's validator sets 8). */
  multipleOfPrecision?: number;
}

interface Walk {
  /** Schemas a `#…` reference may point into, tried in order. */
  roots: Schema[];
  errors: ErrorObject[];
  options: InterpretOptions;
  /** Set while checking a property name (propertyNames): Ajv names it on every error. */
  propertyName?: string;
}

/** Ajv's type names of a JSON value. */
function typeOf(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  return typeof data;
}

function hasType(data: unknown, type: string): boolean {
  const t = typeOf(data);
  if (type === 'integer') return t === 'number' && Number.isInteger(data);
  return t === type;
}

/** Keywords Ajv applies only to data of one type, in the order it applies them. */
const GROUPS: [string, string[]][] = [
  ['number', ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum', 'multipleOf', 'format']],
  ['string', ['maxLength', 'minLength', 'pattern', 'format']],
  ['array', ['maxItems', 'minItems', 'additionalItems', 'items', 'contains', 'uniqueItems']],
  ['object', ['maxProperties', 'minProperties', 'required', 'propertyNames', 'additionalProperties', 'dependencies', 'properties', 'patternProperties']],
];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const alwaysValid = (s: unknown) => s === true || (isObject(s) && Object.keys(s).length === 0);

function schemaTypes(schema: Record<string, unknown>): string[] {
  const t = schema.type;
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
}

/** The schema a local reference (`#`, `#/…`) names, in the first root that has it. */
export function resolveRef(roots: Schema[], ref: string): Schema | undefined {
  if (!ref.startsWith('#')) return undefined;
  for (const root of roots) {
    let node: unknown = root;
    try {
      for (const key of parsePointer(decodeURIComponent(ref.slice(1)))) node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
    } catch {
      node = undefined;
    }
    if (node === true || node === false || isObject(node)) return node as Schema;
  }
  return undefined;
}

class Checker {
  constructor(private readonly w: Walk) {}

  private error(keyword: string, instancePath: string, schemaPath: string, params: Record<string, unknown>, message: string, parentSchema: unknown): void {
    const e: ErrorObject & { propertyName?: string } = { instancePath, schemaPath: `${schemaPath}/${keyword}`, keyword, params, message, parentSchema: parentSchema as object };
    if (this.w.propertyName !== undefined) e.propertyName = this.w.propertyName;
    this.w.errors.push(e);
  }

  /** Errors of `data` against `schema` go into the walk's list; true when there were none. */
  check(schema: Schema, data: unknown, path: string, sp: string): boolean {
    const before = this.w.errors.length;
    if (schema === true) return true;
    if (schema === false) {
      this.w.errors.push({ instancePath: path, schemaPath: sp, keyword: 'false schema', params: {}, message: 'boolean schema is false' });
      return false;
    }
    if (!isObject(schema)) return true;
    const types = schemaTypes(schema);
    const dataType = typeOf(data);
    const groupOf = (type: string) => GROUPS.find(([t]) => t === type);
    const groupUsed = (g: [string, string[]] | undefined) => !!g && g[1].some((k) => schema[k] !== undefined);
    // Ajv reports a single type with keywords of its own where that type's keywords would run.
    const typeLater = types.length === 1 && groupUsed(groupOf(types[0]!));
    const typeOk = types.length === 0 || types.some((t) => hasType(data, t));
    const typeError = () => this.error('type', path, sp, { type: schema.type }, `must be ${String(schema.type)}`, schema);
    if (!typeOk && !typeLater) typeError();
    this.any(schema, data, path, sp);
    for (const group of GROUPS) {
      const [type, keywords] = group;
      if (!groupUsed(group)) continue;
      if (dataType === type) {
        for (const k of keywords) if (schema[k] !== undefined) this.keyword(k, schema, data, path, sp);
      } else if (typeLater && !typeOk && types[0] === type) {
        typeError();
      }
    }
    return this.w.errors.length === before;
  }

  /** A sub-check whose errors are dropped (if, not): only whether it passed. */
  private passes(schema: Schema, data: unknown, path: string, sp: string): boolean {
    return new Checker({ ...this.w, errors: [] }).check(schema, data, path, sp);
  }

  private any(schema: Record<string, unknown>, data: unknown, path: string, sp: string): void {
    const w = this.w;
    if (typeof schema.$ref === 'string') {
      const target = resolveRef(w.roots, schema.$ref);
      if (target === undefined) throw new Error(`can't resolve reference ${schema.$ref} from id #`);
      this.check(target, data, path, schema.$ref);
    }
    if (schema.const !== undefined && !equal(data, schema.const)) this.error('const', path, sp, { allowedValue: schema.const }, 'must be equal to constant', schema);
    if (Array.isArray(schema.enum) && !schema.enum.some((v) => equal(data, v))) this.error('enum', path, sp, { allowedValues: schema.enum }, 'must be equal to one of the allowed values', schema);
    if (schema.not !== undefined && this.passes(schema.not as Schema, data, path, `${sp}/not`)) this.error('not', path, sp, {}, 'must NOT be valid', schema);
    if (Array.isArray(schema.anyOf) && !schema.anyOf.some(alwaysValid)) {
      const start = w.errors.length;
      let valid = false;
      for (let i = 0; i < schema.anyOf.length && !valid; i++) valid = this.check(schema.anyOf[i] as Schema, data, path, `${sp}/anyOf/${i}`);
      if (valid) w.errors.length = start;
      else this.error('anyOf', path, sp, {}, 'must match a schema in anyOf', schema);
    }
    if (Array.isArray(schema.oneOf)) {
      const start = w.errors.length;
      let valid = false;
      let passing: number | [unknown, number] | null = null;
      for (let i = 0; i < schema.oneOf.length; i++) {
        const sub = schema.oneOf[i];
        const ok = alwaysValid(sub) || this.check(sub as Schema, data, path, `${sp}/oneOf/${i}`);
        // As Ajv: the second branch that passes names the pair and ends the search.
        if (ok && valid) {
          valid = false;
          passing = [passing, i];
          break;
        }
        if (ok) (valid = true), (passing = i);
      }
      if (valid) w.errors.length = start;
      else this.error('oneOf', path, sp, { passingSchemas: passing }, 'must match exactly one schema in oneOf', schema);
    }
    if (Array.isArray(schema.allOf)) schema.allOf.forEach((sub, i) => this.check(sub as Schema, data, path, `${sp}/allOf/${i}`));
    if (schema.if !== undefined && (schema.then !== undefined || schema.else !== undefined)) {
      const clause = this.passes(schema.if as Schema, data, path, `${sp}/if`) ? 'then' : 'else';
      const branch = schema[clause];
      if (branch !== undefined && !this.check(branch as Schema, data, path, `${sp}/${clause}`)) {
        this.error('if', path, sp, { failingKeyword: clause }, `must match "${clause}" schema`, schema);
      }
    }
  }

  private keyword(k: string, schema: Record<string, unknown>, data: unknown, path: string, sp: string): void {
    const v = schema[k];
    const fail = (params: Record<string, unknown>, message: string) => this.error(k, path, sp, params, message, schema);
    switch (k) {
      case 'maximum':
      case 'minimum':
      case 'exclusiveMaximum':
      case 'exclusiveMinimum': {
        if (typeof v !== 'number') return;
        const n = data as number;
        const [ok, op] = k === 'maximum' ? [n <= v, '<='] : k === 'minimum' ? [n >= v, '>='] : k === 'exclusiveMaximum' ? [n < v, '<'] : [n > v, '>'];
        if (!ok) fail({ comparison: op, limit: v }, `must be ${op} ${v}`);
        return;
      }
      case 'multipleOf': {
        if (typeof v !== 'number') return;
        const res = (data as number) / v;
        const prec = this.w.options.multipleOfPrecision;
        const bad = prec ? Math.abs(Math.round(res) - res) > 10 ** -prec : res !== parseInt(String(res));
        if (bad) fail({ multipleOf: v }, `must be multiple of ${v}`);
        return;
      }
      case 'format': {
        const def = typeof v === 'string' ? FORMATS[v] : undefined;
        if (!def) return; // an unknown format is ignored, as Ajv does without strict mode
        const fmtType = typeof def === 'object' && !(def instanceof RegExp) ? (def.type ?? 'string') : 'string';
        if (fmtType !== typeOf(data)) return;
        const test = typeof def === 'object' && !(def instanceof RegExp) ? def.validate : def;
        const ok = test instanceof RegExp ? test.test(data as string) : test(data as string);
        if (!ok) fail({ format: v }, `must match format "${v}"`);
        return;
      }
      case 'maxLength':
      case 'minLength': {
        if (typeof v !== 'number') return;
        const len = [...(data as string)].length;
        if (k === 'maxLength' ? len > v : len < v) fail({ limit: v }, `must NOT have ${k === 'maxLength' ? 'more' : 'fewer'} than ${v} characters`);
        return;
      }
      case 'pattern':
        if (typeof v === 'string' && !new RegExp(v, 'u').test(data as string)) fail({ pattern: v }, `must match pattern "${v}"`);
        return;
      case 'maxItems':
      case 'minItems': {
        if (typeof v !== 'number') return;
        const len = (data as unknown[]).length;
        if (k === 'maxItems' ? len > v : len < v) fail({ limit: v }, `must NOT have ${k === 'maxItems' ? 'more' : 'fewer'} than ${v} items`);
        return;
      }
      case 'uniqueItems':
        if (v === true) this.uniqueItems(schema, data as unknown[], fail);
        return;
      case 'additionalItems': {
        const items = schema.items;
        const list = data as unknown[];
        if (!Array.isArray(items)) return;
        if (v === false) {
          if (list.length > items.length) fail({ limit: items.length }, `must NOT have more than ${items.length} items`);
        } else if (isObject(v) && !alwaysValid(v)) {
          for (let i = items.length; i < list.length; i++) this.check(v, list[i], `${path}/${i}`, `${sp}/additionalItems`);
        }
        return;
      }
      case 'items': {
        const list = data as unknown[];
        if (Array.isArray(v)) v.forEach((sub, i) => i < list.length && this.check(sub as Schema, list[i], `${path}/${i}`, `${sp}/items/${i}`));
        else if (!alwaysValid(v)) list.forEach((item, i) => this.check(v as Schema, item, `${path}/${i}`, `${sp}/items`));
        return;
      }
      case 'contains': {
        const start = this.w.errors.length;
        if ((data as unknown[]).some((item, i) => this.check(v as Schema, item, `${path}/${i}`, `${sp}/contains`))) this.w.errors.length = start;
        else fail({ minContains: 1 }, 'must contain at least 1 valid item(s)');
        return;
      }
      case 'maxProperties':
      case 'minProperties': {
        if (typeof v !== 'number') return;
        const n = Object.keys(data as object).length;
        if (k === 'maxProperties' ? n > v : n < v) fail({ limit: v }, `must NOT have ${k === 'maxProperties' ? 'more' : 'fewer'} than ${v} properties`);
        return;
      }
      case 'required':
        if (Array.isArray(v)) {
          for (const p of v) if ((data as Record<string, unknown>)[p as string] === undefined) fail({ missingProperty: p }, `must have required property '${String(p)}'`);
        }
        return;
      case 'propertyNames': {
        if (alwaysValid(v)) return;
        for (const key in data as object) {
          const ok = new Checker({ ...this.w, propertyName: key }).check(v as Schema, key, path, `${sp}/propertyNames`);
          if (!ok) this.error('propertyNames', path, sp, { propertyName: key }, 'property name must be valid', schema);
        }
        return;
      }
      case 'additionalProperties': {
        if (v === true || alwaysValid(v)) return;
        const props = isObject(schema.properties) ? schema.properties : {};
        const patterns = isObject(schema.patternProperties) ? Object.keys(schema.patternProperties).map((p) => new RegExp(p, 'u')) : [];
        for (const key in data as object) {
          if ((Object.hasOwn(props, key) && key !== '__proto__') || patterns.some((re) => re.test(key))) continue;
          if (v === false) fail({ additionalProperty: key }, 'must NOT have additional properties');
          else this.check(v as Schema, (data as Record<string, unknown>)[key], `${path}/${escapeToken(key)}`, `${sp}/additionalProperties`);
        }
        return;
      }
      case 'dependencies': {
        if (!isObject(v)) return;
        const obj = data as Record<string, unknown>;
        for (const [key, dep] of Object.entries(v)) {
          if (key === '__proto__' || obj[key] === undefined) continue;
          if (Array.isArray(dep)) {
            const deps = dep.join(', ');
            for (const d of dep) {
              if (obj[d as string] !== undefined) continue;
              fail({ property: key, missingProperty: d, depsCount: dep.length, deps }, `must have ${dep.length === 1 ? 'property' : 'properties'} ${deps} when property ${key} is present`);
            }
          }
        }
        for (const [key, dep] of Object.entries(v)) {
          if (key !== '__proto__' && !Array.isArray(dep) && obj[key] !== undefined) this.check(dep as Schema, data, path, `${sp}/dependencies/${escapeToken(key)}`);
        }
        return;
      }
      case 'properties': {
        if (!isObject(v)) return;
        for (const [key, sub] of Object.entries(v)) {
          const value = (data as Record<string, unknown>)[key];
          if (key === '__proto__' || value === undefined || alwaysValid(sub)) continue;
          this.check(sub as Schema, value, `${path}/${escapeToken(key)}`, `${sp}/properties/${escapeToken(key)}`);
        }
        return;
      }
      case 'patternProperties': {
        if (!isObject(v)) return;
        for (const [pattern, sub] of Object.entries(v)) {
          const re = new RegExp(pattern, 'u');
          for (const key in data as object) {
            if (re.test(key) && !alwaysValid(sub)) this.check(sub as Schema, (data as Record<string, unknown>)[key], `${path}/${escapeToken(key)}`, `${sp}/patternProperties/${escapeToken(pattern)}`);
          }
        }
        return;
      }
    }
  }

  /** Ajv's two searches for a duplicate, which name the pair differently. */
  private uniqueItems(schema: Record<string, unknown>, list: unknown[], fail: (params: Record<string, unknown>, message: string) => void): void {
    if (list.length <= 1) return;
    const itemTypes = isObject(schema.items) ? schemaTypes(schema.items) : [];
    const report = (i: number, j: number) => fail({ i, j }, `must NOT have duplicate items (items ## ${j} and ${i} are identical)`);
    if (itemTypes.length > 0 && !itemTypes.some((t) => t === 'object' || t === 'array')) {
      const seen = new Map<unknown, number>();
      for (let i = list.length; i--; ) {
        let item = list[i];
        if (!itemTypes.some((t) => hasType(item, t))) continue;
        if (itemTypes.length > 1 && typeof item === 'string') item += '_';
        const key = String(item);
        if (seen.has(key)) return report(i, seen.get(key)!);
        seen.set(key, i);
      }
      return;
    }
    for (let i = list.length; i--; ) for (let j = i; j--; ) if (equal(list[i], list[j])) return report(i, j);
  }
}

/**
 * Ajv's errors of `data` against `schema` (empty when valid). `roots` are where `#…` references
 * point (the schema itself by default). Throws on a reference that leads nowhere.
 */
export function interpret(schema: unknown, data: unknown, roots: unknown[] = [schema], options: InterpretOptions = {}): ErrorObject[] {
  const w: Walk = { roots: roots as Schema[], errors: [], options };
  new Checker(w).check(schema as Schema, data, '', '#');
  return w.errors;
}

/** Why Ajv would refuse to compile a schema that its meta-schema accepts: a bad pattern or reference. */
export function compileProblem(schema: unknown, root: unknown = schema): string | null {
  const stack: unknown[] = [schema];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    if (!isObject(node)) continue;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'const' || key === 'enum' || key === 'default' || key === 'examples' || key === 'x-en') continue;
      try {
        if (key === 'pattern' && typeof value === 'string') new RegExp(value, 'u');
        if (key === 'patternProperties' && isObject(value)) for (const p of Object.keys(value)) new RegExp(p, 'u');
      } catch (error) {
        return (error as Error).message;
      }
      if (key === '$ref' && typeof value === 'string' && resolveRef([root as Schema], value) === undefined) return `can't resolve reference ${value} from id #`;
      if (key === 'properties' || key === 'patternProperties' || key === '$defs' || key === 'definitions' || key === 'dependencies') {
        if (isObject(value)) stack.push(...Object.values(value));
      } else if (typeof value === 'object') {
        stack.push(value);
      }
    }
  }
  return null;
}
