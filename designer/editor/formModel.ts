// A step's form as a list of fields the form designer edits, and back: `toForm` writes the JSON
// Schema (Chinese `title`, English in `x-en`) and RJSF uiSchema a village user's form is rendered
// from; `fromForm` reads any form, the bundled flows' included, into fields. What the designer does
// not edit (a placeholder's autofocus, a hand-written keyword) is kept as it was, so reading a form
// and writing it again gives the same form. Pure: no React, no engine.

export type FieldType =
  | 'text'
  | 'longText'
  | 'number'
  | 'money'
  | 'date'
  | 'choice'
  | 'multiChoice'
  | 'yesNo'
  | 'attachment'
  | 'photo'
  | 'table'
  /** A schema the designer has no editor for: kept verbatim, edited as JSON. */
  | 'custom';

export const FIELD_TYPES: FieldType[] = ['text', 'longText', 'number', 'money', 'date', 'choice', 'multiChoice', 'yesNo', 'attachment', 'photo', 'table', 'custom'];
/** The types a table's column may have: one line per row keeps a table readable. */
export const COLUMN_TYPES: FieldType[] = ['text', 'longText', 'number', 'money', 'date', 'choice', 'yesNo'];

export interface BiText {
  zh: string;
  en?: string;
}
export interface ChoiceOption {
  value: string;
  label: BiText;
}
export type ConditionValue = string | number | boolean;
/** Show the field only when another field has this value (for a multiple choice: includes it). */
export interface FieldCondition {
  field: string;
  equals: ConditionValue;
}
export interface Field {
  key: string;
  type: FieldType;
  label: BiText;
  help?: BiText;
  required: boolean;
  /** choice, multiChoice. */
  options?: ChoiceOption[];
  /** Bounds for the type: length of text, value of a number or amount, number of choices or rows. */
  min?: number;
  max?: number;
  condition?: FieldCondition;
  /** table: one field per column. */
  columns?: Field[];
  /** table: the row object's own title and keywords (additionalProperties, ...). */
  row?: FormHead;
  /** text, longText, number, money: the hint inside an empty box. */
  placeholder?: string;
  /** longText: visible lines. */
  rows?: number;
  /**
   * choice: radio buttons, or a drop-down list (what a form without a widget shows). yesNo: 是/否
   * radio buttons, or a plain tick box (and whatever the form had, kept as it was).
   */
  display?: 'radio' | 'select' | 'checkbox';
  /** number: whole numbers only. */
  integer?: boolean;
  /** Schema keywords the designer does not edit, kept as they were. */
  extra?: Record<string, unknown>;
  /** uiSchema entries the designer does not edit, kept as they were. */
  ui?: Record<string, unknown>;
  /** custom: the field's schema as written. */
  schema?: Record<string, unknown>;
}
/** The form's own title and what the designer does not edit at the top level. */
export interface FormHead {
  title?: BiText;
  help?: BiText;
  extra?: Record<string, unknown>;
  ui?: Record<string, unknown>;
}
export interface FormParts {
  schema: Record<string, unknown>;
  uiSchema: Record<string, unknown>;
}

/** An attachment is a reference, "sha256:<hex>[:<file name>]": the file itself is not stored. */
export const REFERENCE_PATTERN = '^sha256:[0-9a-f]{64}(:.*)?$';
export const REFERENCE_MAX = 500;
const MONEY_ZH = '（元）';
const MONEY_EN = ' (yuan)';
export const YES_NO: ChoiceOption[] = [
  { value: 'true', label: { zh: '是', en: 'Yes' } },
  { value: 'false', label: { zh: '否', en: 'No' } },
];
/**
 * A yes/no question's radio labels. Not `oneOf` consts in the schema: RJSF would take the first
 * const as the field's default and show “是” already chosen. English sits in the ui entry's `x-en`,
 * which localizeSchema applies to the uiSchema too.
 */
export const YES_NO_UI = { 'ui:enumNames': ['是', '否'], 'x-en': { 'ui:enumNames': ['Yes', 'No'] } };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
const nonEmpty = (o: Obj): Obj | undefined => (Object.keys(o).length ? o : undefined);
function omit(o: Obj, keys: string[]): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) out[k] = v;
  return out;
}

// ---- writing ----------------------------------------------------------------------------------

function labelled(label: BiText | undefined, help: BiText | undefined, extraEn: unknown): Obj {
  const out: Obj = {};
  if (label?.zh) out.title = label.zh;
  if (help?.zh) out.description = help.zh;
  const en: Obj = isObj(extraEn) ? { ...extraEn } : {};
  if (label?.en) en.title = label.en;
  if (help?.en) en.description = help.en;
  if (Object.keys(en).length) out['x-en'] = en;
  return out;
}

function optionSchema(o: ChoiceOption, value: unknown = o.value): Obj {
  return { const: value, ...labelled(o.label, undefined, undefined) };
}

function moneyLabel(label: BiText): BiText {
  const out: BiText = { zh: label.zh + MONEY_ZH };
  if (label.en) out.en = label.en + MONEY_EN;
  return out;
}

/** The schema and ui entry of one field. */
export function fieldParts(field: Field): { schema: Obj; ui: Obj | undefined } {
  const ui: Obj = clone(field.ui) ?? {};
  const options: Obj = isObj(ui['ui:options']) ? { ...(ui['ui:options'] as Obj) } : {};
  if (field.type === 'custom') return { schema: clone(field.schema) ?? {}, ui: nonEmpty(ui) };
  const extra: Obj = clone(field.extra) ?? {};
  const extraEn = extra['x-en'];
  delete extra['x-en'];
  const label = field.type === 'money' ? moneyLabel(field.label) : field.label;
  const s: Obj = {};
  const bound = (minKey: string, maxKey: string) => {
    if (field.min !== undefined) s[minKey] = field.min;
    if (field.max !== undefined) s[maxKey] = field.max;
  };
  switch (field.type) {
    case 'text':
    case 'longText':
      s.type = 'string';
      bound('minLength', 'maxLength');
      if (field.type === 'longText') ui['ui:widget'] = 'textarea';
      if (field.type === 'longText' && field.rows !== undefined) options.rows = field.rows;
      break;
    case 'number':
      s.type = field.integer ? 'integer' : 'number';
      bound('minimum', 'maximum');
      break;
    case 'money':
      s.type = 'number';
      s.minimum = field.min !== undefined && field.min > 0 ? field.min : 0;
      if (field.max !== undefined) s.maximum = field.max;
      break;
    case 'date':
      s.type = 'string';
      s.format = 'date';
      break;
    case 'choice':
      s.type = 'string';
      s.oneOf = (field.options ?? []).map((o) => optionSchema(o));
      if (field.display === 'radio') ui['ui:widget'] = 'radio';
      break;
    case 'multiChoice':
      s.type = 'array';
      s.uniqueItems = true;
      s.items = { type: 'string', oneOf: (field.options ?? []).map((o) => optionSchema(o)) };
      bound('minItems', 'maxItems');
      ui['ui:widget'] = 'checkboxes';
      break;
    case 'yesNo':
      s.type = 'boolean';
      if (field.display !== 'checkbox') ui['ui:widget'] = 'radio';
      break;
    case 'attachment':
    case 'photo':
      s.type = 'string';
      s.pattern = REFERENCE_PATTERN;
      s.maxLength = REFERENCE_MAX;
      ui['ui:widget'] = 'file';
      if (field.type === 'photo') options.accept = 'image/*';
      break;
    case 'table': {
      const columns = toForm(field.columns ?? [], field.row);
      s.type = 'array';
      s.items = columns.schema;
      bound('minItems', 'maxItems');
      if (Object.keys(columns.uiSchema).length) ui.items = columns.uiSchema;
      break;
    }
  }
  if (field.placeholder !== undefined && ['text', 'longText', 'number', 'money'].includes(field.type)) ui['ui:placeholder'] = field.placeholder;
  if (Object.keys(options).length) ui['ui:options'] = options;
  else delete ui['ui:options'];
  return { schema: { ...extra, ...s, ...labelled(label, field.help, extraEn) }, ui: nonEmpty(ui) };
}

function conditionSchema(condition: FieldCondition, fields: Field[]): Obj {
  const on = fields.find((f) => f.key === condition.field);
  const test = on?.type === 'multiChoice' ? { contains: { const: condition.equals } } : { const: condition.equals };
  return { properties: { [condition.field]: test }, required: [condition.field] };
}

/** Writes fields (and the form's own title) as the JSON Schema and uiSchema of a step's form. */
export function toForm(fields: Field[], head: FormHead = {}): FormParts {
  const extra: Obj = clone(head.extra) ?? {};
  const extraEn = extra['x-en'];
  delete extra['x-en'];
  const properties: Obj = {};
  const required: string[] = [];
  const conditional: Obj[] = [];
  const uiSchema: Obj = clone(head.ui) ?? {};
  for (const field of fields) {
    const { schema, ui } = fieldParts(field);
    if (ui) uiSchema[field.key] = ui;
    if (field.condition) {
      conditional.push({
        if: conditionSchema(field.condition, fields),
        then: { properties: { [field.key]: schema }, ...(field.required ? { required: [field.key] } : {}) },
      });
      continue;
    }
    properties[field.key] = schema;
    if (field.required) required.push(field.key);
  }
  if (fields.length) uiSchema['ui:order'] = fields.map((f) => f.key);
  const schema: Obj = { ...extra, type: 'object', ...labelled(head.title, head.help, extraEn) };
  if (required.length) schema.required = required;
  schema.properties = properties;
  const kept = Array.isArray(extra.allOf) ? (extra.allOf as unknown[]) : [];
  if (conditional.length || kept.length) schema.allOf = [...conditional, ...kept];
  return { schema, uiSchema };
}

// ---- reading ----------------------------------------------------------------------------------

function textOf(zh: unknown, en: unknown): BiText | undefined {
  const z = typeof zh === 'string' ? zh : '';
  const e = typeof en === 'string' ? en : undefined;
  if (!z && e === undefined) return undefined;
  return e === undefined ? { zh: z } : { zh: z, en: e };
}

function labelsOf(s: Obj): { label: BiText; help?: BiText; restEn?: Obj } {
  const en: Obj = isObj(s['x-en']) ? (s['x-en'] as Obj) : {};
  const label = textOf(s.title, en.title) ?? { zh: '' };
  const help = textOf(s.description, en.description);
  const restEn = nonEmpty(omit(en, ['title', 'description']));
  return { label, ...(help ? { help } : {}), ...(restEn ? { restEn } : {}) };
}

function optionsOf(s: Obj): ChoiceOption[] | null {
  if (Array.isArray(s.oneOf) && s.oneOf.length && s.oneOf.every((o) => isObj(o) && typeof o.const === 'string')) {
    return (s.oneOf as Obj[]).map((o) => ({ value: o.const as string, label: labelsOf(o).label }));
  }
  if (Array.isArray(s.enum) && s.enum.length && s.enum.every((v) => typeof v === 'string')) {
    return (s.enum as string[]).map((v) => ({ value: v, label: { zh: v } }));
  }
  return null;
}



/** Reads one property of a form: its schema and its uiSchema entry. */
export function fieldOf(key: string, raw: unknown, rawUi: unknown, required: boolean): Field {
  const s: Obj = isObj(raw) ? raw : {};
  const ui: Obj = isObj(rawUi) ? clone(rawUi) : {};
  const options: Obj = isObj(ui['ui:options']) ? { ...(ui['ui:options'] as Obj) } : {};
  const widget = ui['ui:widget'];
  const custom = (): Field => ({ key, type: 'custom', label: labelsOf(s).label, required, schema: clone(s), ...(nonEmpty(ui) ? { ui } : {}) });
  let type: FieldType;
  let consumed = ['type', 'title', 'description', 'x-en'];
  const field: Partial<Field> = {};
  const takeBounds = (minKey: string, maxKey: string) => {
    if (typeof s[minKey] === 'number') field.min = s[minKey] as number;
    if (typeof s[maxKey] === 'number') field.max = s[maxKey] as number;
    consumed.push(minKey, maxKey);
  };
  const take = (...keys: string[]) => consumed.push(...keys);
  const { label, help, restEn } = labelsOf(s);
  let shown = label;

  if (s.type === 'string' && widget === 'file') {
    type = options.accept === 'image/*' ? 'photo' : 'attachment';
    if (type === 'photo') delete options.accept;
    delete ui['ui:widget'];
    take('pattern', 'maxLength', 'format');
  } else if (s.type === 'string' && optionsOf(s)) {
    type = 'choice';
    field.options = optionsOf(s)!;
    field.display = widget === 'radio' ? 'radio' : 'select';
    if (widget === 'radio' || widget === 'select') delete ui['ui:widget'];
    take('oneOf', 'enum');
  } else if (s.type === 'string' && s.format === 'date') {
    type = 'date';
    take('format');
  } else if (s.type === 'string' && s.format === undefined) {
    type = widget === 'textarea' ? 'longText' : 'text';
    if (widget === 'textarea') delete ui['ui:widget'];
    if (type === 'longText' && typeof options.rows === 'number') (field.rows = options.rows), delete options.rows;
    takeBounds('minLength', 'maxLength');
  } else if (
    s.type === 'number' &&
    typeof s.minimum === 'number' &&
    s.minimum >= 0 &&
    label.zh.endsWith(MONEY_ZH) &&
    (label.en === undefined || label.en.endsWith(MONEY_EN))
  ) {
    type = 'money';
    shown = { zh: label.zh.slice(0, -MONEY_ZH.length) };
    if (label.en !== undefined) shown.en = label.en.slice(0, -MONEY_EN.length);
    if ((s.minimum as number) > 0) field.min = s.minimum as number;
    if (typeof s.maximum === 'number') field.max = s.maximum;
    take('minimum', 'maximum');
  } else if (s.type === 'number' || s.type === 'integer') {
    type = 'number';
    if (s.type === 'integer') field.integer = true;
    takeBounds('minimum', 'maximum');
  } else if (s.type === 'boolean') {
    type = 'yesNo';
    // Radio buttons or a tick box; their labels (YES_NO_UI, or oneOf in the schema) stay as they were.
    field.display = widget === 'radio' ? 'radio' : 'checkbox';
    if (widget === 'radio') delete ui['ui:widget'];
  } else if (s.type === 'array' && isObj(s.items) && s.items.type === 'string' && optionsOf(s.items) && s.uniqueItems === true) {
    const itemKeys = Object.keys(s.items).filter((k) => !['type', 'oneOf', 'enum'].includes(k));
    if (itemKeys.length) return custom();
    type = 'multiChoice';
    field.options = optionsOf(s.items)!;
    if (widget === 'checkboxes') delete ui['ui:widget'];
    take('items', 'uniqueItems');
    takeBounds('minItems', 'maxItems');
  } else if (s.type === 'array' && isObj(s.items) && s.items.type === 'object' && isObj(s.items.properties)) {
    const items = s.items;
    type = 'table';
    const itemsUi = isObj(ui.items) ? (ui.items as Obj) : {};
    field.columns = fromForm(items, itemsUi);
    const row = formHead(items, itemsUi);
    if (Object.keys(row).length) field.row = row;
    delete ui.items;
    take('items');
    takeBounds('minItems', 'maxItems');
  } else {
    return custom();
  }
  if (['text', 'longText', 'number', 'money'].includes(type) && typeof ui['ui:placeholder'] === 'string') {
    field.placeholder = ui['ui:placeholder'] as string;
    delete ui['ui:placeholder'];
  }
  if (Object.keys(options).length) ui['ui:options'] = options;
  else delete ui['ui:options'];
  const extra = omit(s, consumed);
  if (restEn) extra['x-en'] = restEn;
  const out: Field = { key, type, label: shown, required };
  if (help) out.help = help;
  Object.assign(out, field);
  if (Object.keys(extra).length) out.extra = extra;
  if (Object.keys(ui).length) out.ui = ui;
  return out;
}

interface ConditionalEntry {
  condition: FieldCondition;
  properties: Obj;
  required: string[];
}

/** An `allOf` entry as toForm writes it: if one field has a value, then these fields. */
function conditionalOf(entry: unknown): ConditionalEntry | null {
  if (!isObj(entry) || Object.keys(entry).some((k) => k !== 'if' && k !== 'then')) return null;
  const { if: test, then } = entry;
  if (!isObj(test) || !isObj(then) || !isObj(test.properties) || !isObj(then.properties)) return null;
  if (Object.keys(test).some((k) => k !== 'properties' && k !== 'required')) return null;
  if (Object.keys(then).some((k) => k !== 'properties' && k !== 'required')) return null;
  const names = Object.keys(test.properties);
  if (names.length !== 1) return null;
  const field = names[0]!;
  if (!Array.isArray(test.required) || test.required.length !== 1 || test.required[0] !== field) return null;
  const check = (test.properties as Obj)[field];
  if (!isObj(check) || Object.keys(check).length !== 1) return null;
  let equals: unknown;
  if ('const' in check) equals = check.const;
  else if (isObj(check.contains) && Object.keys(check.contains).length === 1 && 'const' in check.contains) equals = check.contains.const;
  if (!['string', 'number', 'boolean'].includes(typeof equals)) return null;
  const required = Array.isArray(then.required) ? (then.required as unknown[]).filter((r): r is string => typeof r === 'string') : [];
  return { condition: { field, equals: equals as ConditionValue }, properties: then.properties as Obj, required };
}

/** Reads a form's JSON Schema and uiSchema as fields, in the order the form shows them. */
export function fromForm(schema: unknown, uiSchema?: unknown): Field[] {
  const s: Obj = isObj(schema) ? schema : {};
  const ui: Obj = isObj(uiSchema) ? uiSchema : {};
  const properties: Obj = isObj(s.properties) ? s.properties : {};
  const required = Array.isArray(s.required) ? (s.required as unknown[]) : [];
  const byKey = new Map<string, Field>();
  for (const [key, prop] of Object.entries(properties)) byKey.set(key, fieldOf(key, prop, ui[key], required.includes(key)));
  for (const entry of Array.isArray(s.allOf) ? s.allOf : []) {
    const c = conditionalOf(entry);
    if (!c) continue;
    for (const [key, prop] of Object.entries(c.properties)) {
      if (byKey.has(key)) continue;
      byKey.set(key, { ...fieldOf(key, prop, ui[key], c.required.includes(key)), condition: { ...c.condition } });
    }
  }
  const order = Array.isArray(ui['ui:order']) ? (ui['ui:order'] as unknown[]).filter((k): k is string => typeof k === 'string' && byKey.has(k)) : [];
  const keys = [...new Set([...order, ...byKey.keys()])];
  return keys.map((k) => byKey.get(k)!);
}

/** The form's own title and everything top-level the fields do not account for. */
export function formHead(schema: unknown, uiSchema?: unknown): FormHead {
  const s: Obj = isObj(schema) ? schema : {};
  const ui: Obj = isObj(uiSchema) ? uiSchema : {};
  const head: FormHead = {};
  const { restEn } = labelsOf(s);
  const en: Obj = isObj(s['x-en']) ? (s['x-en'] as Obj) : {};
  const title = textOf(s.title, en.title);
  const help = textOf(s.description, en.description);
  if (title) head.title = title;
  if (help) head.help = help;
  const extra = omit(s, ['type', 'title', 'description', 'x-en', 'properties', 'required', 'allOf']);
  const conditionalKeys = new Set<string>();
  const keptAllOf: unknown[] = [];
  for (const entry of Array.isArray(s.allOf) ? s.allOf : []) {
    const c = conditionalOf(entry);
    if (c) Object.keys(c.properties).forEach((k) => conditionalKeys.add(k));
    else keptAllOf.push(entry);
  }
  if (keptAllOf.length) extra.allOf = clone(keptAllOf);
  if (restEn) extra['x-en'] = restEn;
  if (Object.keys(extra).length) head.extra = clone(extra);
  const fieldKeys = new Set([...Object.keys(isObj(s.properties) ? s.properties : {}), ...conditionalKeys]);
  const restUi = omit(ui, ['ui:order', ...fieldKeys]);
  if (Object.keys(restUi).length) head.ui = clone(restUi);
  return head;
}

// ---- editing helpers --------------------------------------------------------------------------

export const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A new field of a type, with a key not yet used. */
export function newField(type: FieldType, taken: string[], label: BiText = { zh: '' }): Field {
  let n = taken.length + 1;
  while (taken.includes(`field_${n}`)) n++;
  return withType({ key: `field_${n}`, type: 'text', label, required: false }, type);
}

/** The field as another type: what the new type has no use for is dropped. */
export function withType(field: Field, type: FieldType): Field {
  const { key, label, help, required, condition } = field;
  const out: Field = { key, type, label, required };
  if (help) out.help = help;
  if (condition) out.condition = condition;
  if (type === 'choice' || type === 'multiChoice') {
    out.options = field.options?.length ? field.options : [
      { value: 'option_1', label: { zh: '选项一', en: 'Option 1' } },
      { value: 'option_2', label: { zh: '选项二', en: 'Option 2' } },
    ];
  }
  if (type === 'choice') out.display = field.display === 'select' ? 'select' : 'radio';
  if (type === 'yesNo') {
    out.display = field.display === 'checkbox' ? 'checkbox' : 'radio';
    if (out.display === 'radio') out.ui = clone(YES_NO_UI);
  }
  if (type === 'longText') out.rows = field.rows ?? 4;
  if (type === 'table') out.columns = field.columns?.length ? field.columns : [{ key: 'item', type: 'text', label: { zh: '项目', en: 'Item' }, required: true }];
  if (type === 'custom') out.schema = fieldParts(field).schema;
  if (['text', 'longText', 'number', 'money'].includes(type) && field.placeholder !== undefined) out.placeholder = field.placeholder;
  return out;
}

/** A yes/no question as radio buttons (labelled 是/否 unless it has labels) or as a tick box. */
export function withYesNoDisplay(field: Field, display: 'radio' | 'checkbox'): Field {
  const ui: Obj = { ...(field.ui ?? {}) };
  if (display === 'radio' && !('ui:enumNames' in ui)) Object.assign(ui, clone(YES_NO_UI));
  if (display === 'checkbox') {
    delete ui['ui:enumNames'];
    if (isObj(ui['x-en'])) {
      const en = omit(ui['x-en'] as Obj, ['ui:enumNames']);
      if (Object.keys(en).length) ui['x-en'] = en;
      else delete ui['x-en'];
    }
  }
  const out: Field = { ...field, display };
  if (Object.keys(ui).length) out.ui = ui;
  else delete out.ui;
  return out;
}

export function moveItem<T>(list: T[], from: number, to: number): T[] {
  if (from === to || from < 0 || to < 0 || from >= list.length || to >= list.length) return list;
  const out = [...list];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item!);
  return out;
}

export interface ModelIssue {
  /** The field's key path ("" for the form, "items.price" for a column). */
  field: string;
  code:
    | 'keyInvalid'
    | 'keyDuplicate'
    | 'labelMissing'
    | 'optionsMissing'
    | 'optionValueInvalid'
    | 'optionDuplicate'
    | 'optionLabelMissing'
    | 'boundsReversed'
    | 'columnsMissing'
    | 'conditionField'
    | 'conditionOrder'
    | 'conditionValue';
}

/** What stops the fields from making a sound form, field by field. */
export function modelIssues(fields: Field[], prefix = ''): ModelIssue[] {
  const out: ModelIssue[] = [];
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    const at = prefix + f.key;
    const add = (code: ModelIssue['code']) => out.push({ field: at, code });
    if (!KEY_PATTERN.test(f.key)) add('keyInvalid');
    else if (seen.has(f.key)) add('keyDuplicate');
    seen.add(f.key);
    if (!f.label.zh.trim()) add('labelMissing');
    if (f.type === 'choice' || f.type === 'multiChoice') {
      const opts = f.options ?? [];
      if (!opts.length) add('optionsMissing');
      if (opts.some((o) => !o.value.trim())) add('optionValueInvalid');
      if (new Set(opts.map((o) => o.value)).size !== opts.length) add('optionDuplicate');
      if (opts.some((o) => !o.label.zh.trim())) add('optionLabelMissing');
    }
    if (f.min !== undefined && f.max !== undefined && f.min > f.max) add('boundsReversed');
    if (f.type === 'table') {
      if (!f.columns?.length) add('columnsMissing');
      else out.push(...modelIssues(f.columns, `${at}.`));
    }
    if (f.condition) {
      const j = fields.findIndex((g) => g.key === f.condition!.field);
      const on = fields[j];
      if (!on || on === f) add('conditionField');
      else if (j > i) add('conditionOrder');
      else if (!conditionValues(on).some((v) => v.value === f.condition!.equals) && conditionValues(on).length) add('conditionValue');
    }
  });
  return out;
}

/** The values a condition on this field can test, with their labels; none for free input. */
export function conditionValues(field: Field): { value: ConditionValue; label: BiText }[] {
  if (field.type === 'yesNo') return YES_NO.map((o) => ({ value: o.value === 'true', label: o.label }));
  if (field.type === 'choice' || field.type === 'multiChoice') return (field.options ?? []).map((o) => ({ value: o.value, label: o.label }));
  return [];
}

/** The fields a condition may depend on: earlier ones with values to pick from. */
export function conditionSources(fields: Field[], index: number): Field[] {
  return fields.slice(0, index).filter((f) => !f.condition && conditionValues(f).length > 0);
}

/** The field with a key changed, and every condition that pointed at the old key. */
export function renameField(fields: Field[], index: number, key: string): Field[] {
  const old = fields[index]!.key;
  return fields.map((f, i) => {
    if (i === index) return { ...f, key };
    if (f.condition?.field === old) return { ...f, condition: { ...f.condition, field: key } };
    return f;
  });
}

/** The fields without one, and without conditions that depended on it. */
export function removeField(fields: Field[], index: number): Field[] {
  const key = fields[index]!.key;
  return fields.filter((_, i) => i !== index).map((f) => {
    if (f.condition?.field !== key) return f;
    const { condition: _c, ...rest } = f;
    return rest;
  });
}
