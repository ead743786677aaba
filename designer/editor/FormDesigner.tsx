// The form designer of a task step: the step's form as a list of fields to add, edit, reorder and
// remove, where the submitted form is saved, and beside it the form exactly as a village user will
// get it, in Chinese or English. Edits of text are sent when the box loses focus (one undoable edit
// each); choices, moves and removals at once. Fields with an invalid or repeated key are held back
// until the key is fixed, so the flow never holds a form that lost a field.
import { useEffect, useId, useRef, useState } from 'react';
import type { FormConfig } from '../../engine/index.ts';
import { useI18n, type Lang } from '../i18n/index.tsx';
import { FieldsEditor } from './formDesignerFields.tsx';
import { FormView } from '../forms/FormView.tsx';
import { FIELD_TYPES, formHead, fromForm, modelIssues, toForm, type BiText, type Field, type FormHead } from './formModel.ts';

export interface FormDesignerProps {
  /** The step's form, or undefined when the step has none yet. */
  form: FormConfig | undefined;
  /** Called with the whole new form on every edit (one undoable edit each). */
  onChange: (next: FormConfig) => void;
  /** Pointers the flow's data schema offers for saveTo (e.g. /proposal). */
  dataPointers?: string[];
}

interface Model {
  fields: Field[];
  head: FormHead;
  saveTo: string;
  /** Keys of the form this designer does not edit (prefill), written back as they were. */
  rest: Omit<FormConfig, 'schema' | 'uiSchema' | 'saveTo'>;
}
function modelOf(form: FormConfig | undefined): Model {
  if (!form) return { fields: [], head: {}, saveTo: '', rest: {} };
  const { schema, uiSchema, saveTo, ...rest } = form;
  return { fields: fromForm(schema, uiSchema), head: formHead(schema, uiSchema), saveTo: saveTo ?? '', rest };
}
function formOf(m: Model): FormConfig {
  const { schema, uiSchema } = toForm(m.fields, m.head);
  return { schema, uiSchema, saveTo: m.saveTo, ...m.rest };
}
const serialize = (form: FormConfig | undefined) => JSON.stringify(form ?? null);
const BLOCKING = new Set(['keyInvalid', 'keyDuplicate']);

export function FormDesigner({ form, onChange, dataPointers = [] }: FormDesignerProps) {
  const { t, lang: appLang } = useI18n();
  const id = useId();
  const [model, setModel] = useState<Model>(() => modelOf(form));
  const latest = useRef(model);
  const emitted = useRef(serialize(form));
  const pending = useRef(false);
  const [previewLang, setPreviewLang] = useState<Lang>(appLang);
  const [submitted, setSubmitted] = useState<Record<string, unknown> | null>(null);

  // A form from outside (undo, another step picked) replaces the one being edited.
  useEffect(() => {
    const s = serialize(form);
    if (s === emitted.current) return;
    emitted.current = s;
    pending.current = false;
    latest.current = modelOf(form);
    setModel(latest.current);
  }, [form]);

  const issues = modelIssues(model.fields);
  const held = issues.some((i) => BLOCKING.has(i.code));
  const emit = (m: Model) => {
    if (modelIssues(m.fields).some((i) => BLOCKING.has(i.code))) return;
    const next = formOf(m);
    const s = serialize(next);
    if (s === emitted.current) return;
    emitted.current = s;
    onChange(next);
  };
  const update = (m: Model, commit: boolean) => {
    latest.current = m;
    setModel(m);
    if (commit) {
      pending.current = false;
      emit(m);
    } else pending.current = true;
  };
  const flush = () => {
    if (!pending.current) return;
    pending.current = false;
    emit(latest.current);
  };
  const setHead = (title: BiText | undefined) => {
    const head = { ...model.head };
    if (title) head.title = title;
    else delete head.title;
    update({ ...model, head }, false);
  };
  const preview = formOf(model);
  const saveToBad = model.saveTo !== '' && !model.saveTo.startsWith('/');

  return (
    <section
      className="fd2"
      aria-labelledby={`${id}-title`}
      data-testid="form-designer"
      onBlur={flush}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type !== 'checkbox' && e.target.type !== 'radio') flush();
      }}
    >
      <h2 id={`${id}-title`}>{t('formDesigner.title')}</h2>
      <div className="fd2-layout">
        <div className="fd2-edit">
          <fieldset className="fd2-head">
            <legend>{t('formDesigner.form')}</legend>
            <div className="fd2-pair">
              <label htmlFor={`${id}-ftzh`}>
                {t('formDesigner.formTitleZh')}
                <input id={`${id}-ftzh`} lang="zh" value={model.head.title?.zh ?? ''} onChange={(e) => setHead(bi(model.head.title, 'zh', e.target.value))} />
              </label>
              <label htmlFor={`${id}-ften`}>
                {t('formDesigner.formTitleEn')}
                <input id={`${id}-ften`} lang="en" value={model.head.title?.en ?? ''} onChange={(e) => setHead(bi(model.head.title, 'en', e.target.value))} />
              </label>
            </div>
            <label htmlFor={`${id}-saveto`}>
              {t('formDesigner.saveTo')}
              <input
                id={`${id}-saveto`}
                list={`${id}-pointers`}
                spellCheck={false}
                value={model.saveTo}
                placeholder="/proposal"
                aria-invalid={saveToBad || model.saveTo === ''}
                aria-describedby={`${id}-saveto-hint`}
                onChange={(e) => update({ ...model, saveTo: e.target.value.trim() }, false)}
              />
              <small id={`${id}-saveto-hint`} className={saveToBad ? 'field-error' : 'muted'}>
                {saveToBad ? t('formDesigner.saveToBad') : t('formDesigner.saveToHint')}
              </small>
            </label>
            <datalist id={`${id}-pointers`}>
              {dataPointers.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
          </fieldset>
          <FieldsEditor fields={model.fields} onFields={(fields, commit) => update({ ...model, fields }, commit)} types={FIELD_TYPES} conditions issues={issues} />
          {held && (
            <p role="alert" className="error-box" data-testid="form-held">
              {t('formDesigner.held')}
            </p>
          )}
        </div>
        <section className="fd2-preview" aria-labelledby={`${id}-preview`} data-testid="form-preview">
          <div className="fd2-preview-head">
            <h3 id={`${id}-preview`}>{t('formDesigner.preview.title')}</h3>
            <div role="group" aria-label={t('formDesigner.preview.language')} className="fd2-toggle">
              {(['zh', 'en'] as const).map((l) => (
                <button key={l} type="button" className={previewLang === l ? undefined : 'secondary'} aria-pressed={previewLang === l} lang={l} onClick={() => setPreviewLang(l)}>
                  {l === 'zh' ? '中文' : 'English'}
                </button>
              ))}
            </div>
          </div>
          <p className="muted fd2-hint">{t('formDesigner.preview.hint')}</p>
          <div className="fd2-paper" lang={previewLang === 'zh' ? 'zh-CN' : 'en'}>
            {model.fields.length === 0 ? (
              <p className="muted">{t('formDesigner.preview.empty')}</p>
            ) : (
              <FormView
                form={preview}
                lang={previewLang}
                onSubmit={(data) => {
                  setSubmitted(data);
                  return false;
                }}
              />
            )}
          </div>
          {submitted && (
            <div className="fd2-submitted" role="status">
              <p>{t('formDesigner.preview.valid', { saveTo: model.saveTo || '?' })}</p>
              <pre className="data">{JSON.stringify(submitted, null, 2)}</pre>
              <button type="button" className="secondary fd2-small" onClick={() => setSubmitted(null)}>
                {t('common.close')}
              </button>
            </div>
          )}
        </section>
      </div>
    </section>
  );
}

function bi(old: BiText | undefined, lang: 'zh' | 'en', value: string): BiText | undefined {
  const next: BiText = { zh: old?.zh ?? '' };
  if (old?.en) next.en = old.en;
  if (lang === 'zh') next.zh = value;
  else if (value) next.en = value;
  else delete next.en;
  return next.zh || next.en ? next : undefined;
}
