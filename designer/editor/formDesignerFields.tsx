// The form designer's field list and field editor: add, pick, reorder (buttons, Alt+↑/↓, or drag),
// remove; each field's labels in both languages, help, requiredness, bounds, choices, a table's
// columns and a show-if condition. Used for the form's fields and, nested, for a table's columns.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../i18n/index.tsx';
import {
  conditionSources,
  conditionValues,
  KEY_PATTERN,
  moveItem,
  newField,
  removeField,
  renameField,
  withType,
  withYesNoDisplay,
  COLUMN_TYPES,
  type BiText,
  type ChoiceOption,
  type ConditionValue,
  type Field,
  type FieldType,
  type ModelIssue,
} from './formModel.ts';

/** `commit` false: a keystroke, kept as a draft until the input loses focus. */
export type Update<T> = (next: T, commit: boolean) => void;

function useText() {
  const { lang } = useI18n();
  return (x: BiText | undefined) => (x ? (lang === 'en' && x.en ? x.en : x.zh) : '');
}

export function FieldsEditor({
  fields,
  onFields,
  types,
  conditions,
  issues,
  issuePrefix = '',
  nested = false,
}: {
  fields: Field[];
  onFields: Update<Field[]>;
  types: FieldType[];
  conditions: boolean;
  issues: ModelIssue[];
  issuePrefix?: string;
  nested?: boolean;
}) {
  const { t } = useI18n();
  const text = useText();
  const id = useId();
  const [selected, setSelected] = useState(0);
  const [newType, setNewType] = useState<FieldType>(types[0]!);
  const [announce, setAnnounce] = useState('');
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const [dragging, setDragging] = useState<number | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const current = Math.min(selected, fields.length - 1);
  const nameOf = (f: Field) => text(f.label) || f.key;
  const issuesOf = (f: Field) => issues.filter((i) => i.field === issuePrefix + f.key || i.field.startsWith(`${issuePrefix}${f.key}.`));

  useEffect(() => {
    if (focusKey === null) return;
    list.current?.querySelector<HTMLButtonElement>(`[data-pick="${CSS.escape(focusKey)}"]`)?.focus();
    setFocusKey(null);
  }, [focusKey]);

  const move = (from: number, to: number, keepFocus = false) => {
    if (to < 0 || to >= fields.length || from === to) return;
    const f = fields[from]!;
    onFields(moveItem(fields, from, to), true);
    setSelected(to);
    setAnnounce(t('formDesigner.moved', { name: nameOf(f), n: to + 1, total: fields.length }));
    if (keepFocus) setFocusKey(f.key);
  };
  const remove = (i: number) => {
    const f = fields[i]!;
    onFields(removeField(fields, i), true);
    setSelected(Math.max(0, i - 1));
    setAnnounce(t('formDesigner.removed', { name: nameOf(f) }));
    const next = fields[i + 1] ?? fields[i - 1];
    if (next) setFocusKey(next.key);
    else addButton.current?.focus();
  };
  const add = () => {
    const f = newField(newType, fields.map((x) => x.key));
    const at = fields.length ? current + 1 : 0;
    const next = [...fields.slice(0, at), f, ...fields.slice(at)];
    onFields(next, true);
    setSelected(at);
    setAnnounce(t('formDesigner.added', { type: t(`formDesigner.types.${newType}`), n: at + 1 }));
    // The new field's name is what to type first.
    requestAnimationFrame(() => document.getElementById(`${id}-label-zh`)?.focus());
  };
  const onPickKey = (e: KeyboardEvent, i: number) => {
    if (e.altKey && e.key === 'ArrowUp') e.preventDefault(), move(i, i - 1, true);
    else if (e.altKey && e.key === 'ArrowDown') e.preventDefault(), move(i, i + 1, true);
    else if (!e.altKey && e.key === 'ArrowUp' && i > 0) e.preventDefault(), setFocusKey(fields[i - 1]!.key);
    else if (!e.altKey && e.key === 'ArrowDown' && i < fields.length - 1) e.preventDefault(), setFocusKey(fields[i + 1]!.key);
  };

  const field = fields[current];
  return (
    <div className={nested ? 'fd2-fields fd2-nested' : 'fd2-fields'}>
      {fields.length === 0 ? (
        <p className="muted">{t(nested ? 'formDesigner.noColumns' : 'formDesigner.noFields')}</p>
      ) : (
        <>
          <p id={`${id}-hint`} className="muted fd2-hint">
            {t('formDesigner.reorderHint')}
          </p>
          <ol className="fd2-list" ref={list} aria-label={t(nested ? 'formDesigner.columns' : 'formDesigner.fields')}>
            {fields.map((f, i) => {
              const bad = issuesOf(f).length > 0;
              return (
                <li
                  key={f.key + ':' + i}
                  className={`fd2-item${i === current ? ' fd2-current' : ''}${dragging === i ? ' fd2-dragging' : ''}`}
                  draggable
                  onDragStart={(e) => {
                    setDragging(i);
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  onDragOver={(e) => dragging !== null && e.preventDefault()}
                  onDrop={(e) => {
                    e.preventDefault();
                    if (dragging !== null) move(dragging, i);
                    setDragging(null);
                  }}
                  onDragEnd={() => setDragging(null)}
                >
                  <button
                    type="button"
                    className="fd2-pick"
                    data-pick={f.key}
                    aria-current={i === current ? 'true' : undefined}
                    aria-describedby={`${id}-hint`}
                    onClick={() => setSelected(i)}
                    onKeyDown={(e) => onPickKey(e, i)}
                  >
                    <span className="fd2-pos" aria-hidden="true">
                      {i + 1}
                    </span>
                    <span className="fd2-name">{nameOf(f) || t('formDesigner.unnamed')}</span>
                    <span className="fd2-tags">
                      <span className="fd2-tag">{t(`formDesigner.types.${f.type}`)}</span>
                      {f.required && <span className="fd2-tag fd2-tag-req">{t('formDesigner.requiredTag')}</span>}
                      {f.condition && <span className="fd2-tag">{t('formDesigner.conditionalTag')}</span>}
                      {bad && <span className="fd2-tag fd2-tag-bad">{t('formDesigner.problemTag')}</span>}
                    </span>
                  </button>
                  <span className="fd2-item-tools">
                    <button type="button" className="secondary fd2-icon" disabled={i === 0} aria-label={t('formDesigner.moveUp', { name: nameOf(f) })} title={t('formDesigner.moveUp', { name: nameOf(f) })} onClick={() => move(i, i - 1)}>
                      ↑
                    </button>
                    <button type="button" className="secondary fd2-icon" disabled={i === fields.length - 1} aria-label={t('formDesigner.moveDown', { name: nameOf(f) })} title={t('formDesigner.moveDown', { name: nameOf(f) })} onClick={() => move(i, i + 1)}>
                      ↓
                    </button>
                    <button type="button" className="danger fd2-icon" aria-label={t('formDesigner.remove', { name: nameOf(f) })} title={t('formDesigner.remove', { name: nameOf(f) })} onClick={() => remove(i)}>
                      ✕
                    </button>
                  </span>
                </li>
              );
            })}
          </ol>
        </>
      )}
      <div className="fd2-add">
        <label>
          {t(nested ? 'formDesigner.newColumnType' : 'formDesigner.newFieldType')}
          <select value={newType} onChange={(e) => setNewType(e.target.value as FieldType)}>
            {types.map((ty) => (
              <option key={ty} value={ty}>
                {t(`formDesigner.types.${ty}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" ref={addButton} onClick={add}>
          {t(nested ? 'formDesigner.addColumn' : 'formDesigner.addField')}
        </button>
      </div>
      <p className="fd2-sr" aria-live="polite">
        {announce}
      </p>
      {field && (
        <FieldEditor
          key={current}
          idBase={id}
          field={field}
          index={current}
          fields={fields}
          types={types}
          conditions={conditions}
          issues={issuesOf(field)}
          issuePrefix={issuePrefix}
          nested={nested}
          onField={(f, commit) => onFields(fields.map((x, i) => (i === current ? f : x)), commit)}
          onRename={(key, commit) => onFields(renameField(fields, current, key), commit)}
        />
      )}
    </div>
  );
}

function BiTextInputs({ idBase, value, onChange, zhLabel, enLabel, multiline, required }: { idBase: string; value: BiText | undefined; onChange: Update<BiText | undefined>; zhLabel: string; enLabel: string; multiline?: boolean; required?: boolean }) {
  const set = (lang: 'zh' | 'en', s: string) => {
    const next: BiText = { zh: value?.zh ?? '' };
    if (value?.en) next.en = value.en;
    if (lang === 'zh') next.zh = s;
    else if (s) next.en = s;
    else delete next.en;
    onChange(!next.zh && !next.en && !required ? undefined : next, false);
  };
  const Input = multiline ? 'textarea' : 'input';
  return (
    <div className="fd2-pair">
      <label htmlFor={`${idBase}-zh`}>
        {zhLabel}
        <Input id={`${idBase}-zh`} lang="zh" value={value?.zh ?? ''} onChange={(e) => set('zh', e.target.value)} aria-required={required || undefined} {...(multiline ? { rows: 2 } : {})} />
      </label>
      <label htmlFor={`${idBase}-en`}>
        {enLabel}
        <Input id={`${idBase}-en`} lang="en" value={value?.en ?? ''} onChange={(e) => set('en', e.target.value)} {...(multiline ? { rows: 2 } : {})} />
      </label>
    </div>
  );
}

function NumberInput({ id, label, value, onChange, min, step }: { id: string; label: string; value: number | undefined; onChange: Update<number | undefined>; min?: number; step?: string }) {
  return (
    <label htmlFor={id}>
      {label}
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={min}
        step={step ?? 'any'}
        value={value ?? ''}
        onChange={(e) => {
          const v = e.target.value.trim();
          const n = v === '' ? undefined : Number(v);
          onChange(n !== undefined && !Number.isFinite(n) ? undefined : n, false);
        }}
      />
    </label>
  );
}

function FieldEditor({
  idBase,
  field,
  index,
  fields,
  types,
  conditions,
  issues,
  issuePrefix,
  nested,
  onField,
  onRename,
}: {
  idBase: string;
  field: Field;
  index: number;
  fields: Field[];
  types: FieldType[];
  conditions: boolean;
  issues: ModelIssue[];
  issuePrefix: string;
  nested: boolean;
  onField: Update<Field>;
  onRename: Update<string>;
}) {
  const { t } = useI18n();
  const text = useText();
  const id = (s: string) => `${idBase}-${s}`;
  const set = <K extends keyof Field>(key: K, value: Field[K] | undefined, commit: boolean) => {
    const next = { ...field } as Field;
    if (value === undefined) delete next[key];
    else next[key] = value as Field[K];
    onField(next, commit);
  };
  const own = issues.filter((i) => i.field === issuePrefix + field.key);
  const bounds: Record<string, [string, string] | undefined> = {
    text: ['minLength', 'maxLength'],
    longText: ['minLength', 'maxLength'],
    number: ['minValue', 'maxValue'],
    money: ['minAmount', 'maxAmount'],
    multiChoice: ['minChoices', 'maxChoices'],
    table: ['minRows', 'maxRows'],
  };
  const bound = bounds[field.type];
  const placeholderTypes: FieldType[] = ['text', 'longText', 'number', 'money'];
  const keyBad = !KEY_PATTERN.test(field.key) || own.some((i) => i.code === 'keyDuplicate');

  return (
    <fieldset className="fd2-editor" aria-labelledby={id('legend')}>
      <legend id={id('legend')}>{t(nested ? 'formDesigner.editColumn' : 'formDesigner.editField', { n: index + 1, name: text(field.label) || field.key })}</legend>
      {own.length > 0 && (
        <ul className="fd2-issues" role="alert">
          {own.map((i) => (
            <li key={i.code}>{t(`formDesigner.issues.${i.code}`)}</li>
          ))}
        </ul>
      )}
      <div className="fd2-row">
        <label htmlFor={id('type')}>
          {t('formDesigner.type')}
          <select id={id('type')} value={field.type} onChange={(e) => onField(withType(field, e.target.value as FieldType), true)}>
            {[...new Set([...types, field.type])].map((ty) => (
              <option key={ty} value={ty}>
                {t(`formDesigner.types.${ty}`)}
              </option>
            ))}
          </select>
        </label>
        <label htmlFor={id('key')}>
          {t('formDesigner.key')}
          <input
            id={id('key')}
            value={field.key}
            spellCheck={false}
            autoCapitalize="off"
            aria-invalid={keyBad}
            aria-describedby={id('key-hint')}
            onChange={(e) => onRename(e.target.value.trim(), false)}
          />
          <small id={id('key-hint')} className="muted">
            {t('formDesigner.keyHint')}
          </small>
        </label>
        <label className="fd2-check">
          <input type="checkbox" checked={field.required} onChange={(e) => set('required', e.target.checked, true)} />
          {t('formDesigner.required')}
        </label>
      </div>
      {field.type !== 'custom' && (
        <>
          <BiTextInputs idBase={id('label')} value={field.label} required zhLabel={t('formDesigner.labelZh')} enLabel={t('formDesigner.labelEn')} onChange={(v, c) => set('label', v ?? { zh: '' }, c)} />
          {field.type === 'money' && <p className="muted fd2-hint">{t('formDesigner.moneyHint')}</p>}
          <BiTextInputs idBase={id('help')} value={field.help} multiline zhLabel={t('formDesigner.helpZh')} enLabel={t('formDesigner.helpEn')} onChange={(v, c) => set('help', v, c)} />
        </>
      )}
      {(bound || placeholderTypes.includes(field.type) || field.type === 'longText' || field.type === 'number') && (
        <div className="fd2-row">
          {bound && (
            <>
              <NumberInput id={id('min')} label={t(`formDesigner.bounds.${bound[0]}`)} value={field.min} min={0} onChange={(v, c) => set('min', v, c)} />
              <NumberInput id={id('max')} label={t(`formDesigner.bounds.${bound[1]}`)} value={field.max} min={0} onChange={(v, c) => set('max', v, c)} />
            </>
          )}
          {field.type === 'longText' && <NumberInput id={id('rows')} label={t('formDesigner.rows')} value={field.rows} min={1} step="1" onChange={(v, c) => set('rows', v, c)} />}
          {field.type === 'number' && (
            <label className="fd2-check">
              <input type="checkbox" checked={!!field.integer} onChange={(e) => set('integer', e.target.checked || undefined, true)} />
              {t('formDesigner.integer')}
            </label>
          )}
          {placeholderTypes.includes(field.type) && (
            <label htmlFor={id('placeholder')}>
              {t('formDesigner.placeholder')}
              <input id={id('placeholder')} value={field.placeholder ?? ''} onChange={(e) => set('placeholder', e.target.value || undefined, false)} />
            </label>
          )}
        </div>
      )}
      {field.type === 'choice' && (
        <fieldset className="fd2-radios">
          <legend>{t('formDesigner.display')}</legend>
          {(['radio', 'select'] as const).map((d) => (
            <label key={d} className="fd2-check">
              <input type="radio" name={id('display')} checked={(field.display ?? 'select') === d} onChange={() => set('display', d, true)} />
              {t(`formDesigner.displays.${d}`)}
            </label>
          ))}
        </fieldset>
      )}
      {(field.type === 'choice' || field.type === 'multiChoice') && <OptionsEditor idBase={id('opt')} options={field.options ?? []} onOptions={(o, c) => set('options', o, c)} />}
      {field.type === 'yesNo' && (
        <fieldset className="fd2-radios">
          <legend>{t('formDesigner.display')}</legend>
          {(['radio', 'checkbox'] as const).map((d) => (
            <label key={d} className="fd2-check">
              <input type="radio" name={id('yn-display')} checked={(field.display ?? 'radio') === d} onChange={() => onField(withYesNoDisplay(field, d), true)} />
              {t(`formDesigner.yesNoDisplays.${d}`)}
            </label>
          ))}
        </fieldset>
      )}
      {(field.type === 'attachment' || field.type === 'photo') && <p className="muted fd2-hint">{t('formDesigner.attachmentHint')}</p>}
      {field.type === 'table' && (
        <fieldset className="fd2-columns">
          <legend>{t('formDesigner.columns')}</legend>
          <FieldsEditor
            fields={field.columns ?? []}
            onFields={(cols, c) => set('columns', cols, c)}
            types={COLUMN_TYPES}
            conditions={false}
            issues={issues}
            issuePrefix={`${issuePrefix}${field.key}.`}
            nested
          />
        </fieldset>
      )}
      {field.type === 'custom' && <CustomEditor id={id('custom')} field={field} onField={onField} />}
      {conditions && <ConditionEditor idBase={id('cond')} field={field} index={index} fields={fields} onField={onField} />}
    </fieldset>
  );
}

function OptionsEditor({ idBase, options, onOptions }: { idBase: string; options: ChoiceOption[]; onOptions: Update<ChoiceOption[]> }) {
  const { t } = useI18n();
  const setAt = (i: number, o: ChoiceOption, commit = false) => onOptions(options.map((x, j) => (j === i ? o : x)), commit);
  const add = () => {
    let n = options.length + 1;
    while (options.some((o) => o.value === `option_${n}`)) n++;
    onOptions([...options, { value: `option_${n}`, label: { zh: '' } }], true);
    requestAnimationFrame(() => document.getElementById(`${idBase}-${options.length}-zh`)?.focus());
  };
  return (
    <fieldset className="fd2-options">
      <legend>{t('formDesigner.options')}</legend>
      <ol className="fd2-opts">
        {options.map((o, i) => {
          const n = i + 1;
          return (
            <li key={i} className="fd2-opt" role="group" aria-label={t('formDesigner.optionN', { n })}>
              <input id={`${idBase}-${i}-zh`} lang="zh" aria-label={t('formDesigner.optionZhOf', { n })} placeholder={t('formDesigner.optionZh')} value={o.label.zh} onChange={(e) => setAt(i, { ...o, label: { ...o.label, zh: e.target.value } })} />
              <input
                lang="en"
                aria-label={t('formDesigner.optionEnOf', { n })}
                placeholder={t('formDesigner.optionEn')}
                value={o.label.en ?? ''}
                onChange={(e) => {
                  const label: BiText = { zh: o.label.zh };
                  if (e.target.value) label.en = e.target.value;
                  setAt(i, { ...o, label });
                }}
              />
              <input className="fd2-opt-value" aria-label={t('formDesigner.optionValueOf', { n })} placeholder={t('formDesigner.optionValue')} spellCheck={false} value={o.value} onChange={(e) => setAt(i, { ...o, value: e.target.value.trim() })} />
              <span className="fd2-opt-tools">
                <button type="button" className="secondary fd2-icon" disabled={i === 0} aria-label={t('formDesigner.optionUp', { n })} title={t('formDesigner.optionUp', { n })} onClick={() => onOptions(moveItem(options, i, i - 1), true)}>
                  ↑
                </button>
                <button type="button" className="secondary fd2-icon" disabled={i === options.length - 1} aria-label={t('formDesigner.optionDown', { n })} title={t('formDesigner.optionDown', { n })} onClick={() => onOptions(moveItem(options, i, i + 1), true)}>
                  ↓
                </button>
                <button type="button" className="danger fd2-icon" aria-label={t('formDesigner.optionRemove', { n })} title={t('formDesigner.optionRemove', { n })} onClick={() => onOptions(options.filter((_, j) => j !== i), true)}>
                  ✕
                </button>
              </span>
            </li>
          );
        })}
      </ol>
      <p className="muted fd2-hint">{t('formDesigner.optionValueHint')}</p>
      <button type="button" className="secondary" onClick={add}>
        {t('formDesigner.addOption')}
      </button>
    </fieldset>
  );
}

function ConditionEditor({ idBase, field, index, fields, onField }: { idBase: string; field: Field; index: number; fields: Field[]; onField: Update<Field> }) {
  const { t } = useI18n();
  const text = useText();
  const sources = conditionSources(fields, index);
  const c = field.condition;
  const on = c ? fields.find((f) => f.key === c.field) : undefined;
  const choices = on ? [...new Set([...(sources.includes(on) ? [] : [on]), ...sources])] : sources;
  const values = on ? conditionValues(on) : [];
  const setCondition = (field2: string, equals: ConditionValue) => onField({ ...field, condition: { field: field2, equals } }, true);
  const firstValue = (f: Field): ConditionValue => conditionValues(f)[0]?.value ?? '';
  return (
    <fieldset className="fd2-condition">
      <legend>{t('formDesigner.condition')}</legend>
      <label className="fd2-check">
        <input
          type="checkbox"
          checked={!!c}
          disabled={!c && sources.length === 0}
          aria-describedby={!c && sources.length === 0 ? `${idBase}-none` : undefined}
          onChange={(e) => {
            if (e.target.checked && sources[0]) setCondition(sources[0].key, firstValue(sources[0]));
            else if (!e.target.checked) {
              const { condition: _, ...rest } = field;
              onField(rest, true);
            }
          }}
        />
        {t('formDesigner.conditionOn')}
      </label>
      {!c && sources.length === 0 && (
        <p id={`${idBase}-none`} className="muted fd2-hint">
          {t('formDesigner.conditionNone')}
        </p>
      )}
      {c && (
        <div className="fd2-row">
          <label htmlFor={`${idBase}-field`}>
            {t('formDesigner.conditionField')}
            <select id={`${idBase}-field`} value={c.field} onChange={(e) => { const f = fields.find((x) => x.key === e.target.value); if (f) setCondition(f.key, firstValue(f)); }}>
              {!on && <option value={c.field}>{c.field}</option>}
              {choices.map((f) => (
                <option key={f.key} value={f.key}>
                  {text(f.label) || f.key}
                </option>
              ))}
            </select>
          </label>
          {values.length > 0 ? (
            <label htmlFor={`${idBase}-value`}>
              {on?.type === 'multiChoice' ? t('formDesigner.conditionIncludes') : t('formDesigner.conditionEquals')}
              <select id={`${idBase}-value`} value={JSON.stringify(c.equals)} onChange={(e) => setCondition(c.field, JSON.parse(e.target.value) as ConditionValue)}>
                {!values.some((v) => v.value === c.equals) && <option value={JSON.stringify(c.equals)}>{String(c.equals)}</option>}
                {values.map((v) => (
                  <option key={String(v.value)} value={JSON.stringify(v.value)}>
                    {text(v.label) || String(v.value)}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <label htmlFor={`${idBase}-value`}>
              {t('formDesigner.conditionEquals')}
              <input id={`${idBase}-value`} value={String(c.equals)} onChange={(e) => onField({ ...field, condition: { ...c, equals: e.target.value } }, false)} />
            </label>
          )}
        </div>
      )}
    </fieldset>
  );
}

function CustomEditor({ id, field, onField }: { id: string; field: Field; onField: Update<Field> }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(() => JSON.stringify(field.schema ?? {}, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <label htmlFor={id}>
      {t('formDesigner.customSchema')}
      <textarea
        id={id}
        className="fd2-code"
        rows={8}
        spellCheck={false}
        value={draft}
        aria-invalid={bad}
        aria-describedby={`${id}-hint`}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => {
          try {
            const schema = JSON.parse(draft) as unknown;
            if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new Error('not an object');
            setBad(false);
            onField({ ...field, schema: schema as Record<string, unknown> }, true);
          } catch {
            setBad(true);
          }
        }}
      />
      <small id={`${id}-hint`} className={bad ? 'field-error' : 'muted'}>
        {bad ? t('formDesigner.customInvalid') : t('formDesigner.customHint')}
      </small>
    </label>
  );
}
