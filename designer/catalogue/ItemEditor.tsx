// The township admin's form for one catalogue item: the basic elements, the materials list (one
// row per document) and the flow that runs it. Problems the server finds are shown by field.
import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../i18n/index.tsx';
import { api, errorInfo } from '../app/trpc.ts';
import { ErrorBox } from '../app/ui.tsx';
import { issueWords, type FieldLabel } from '../app/refusals.ts';

/**
 * The label of a catalogue field a problem is about: the item form's (/promisedDays, /materials/0/name)
 * or an imported CSV's, by row and column as the spreadsheet counts them (/rows/1/promisedDays:
 * 第 3 行, the first data row being the sheet's second).
 */
export function catalogueLabel(t: (key: string, vars?: Record<string, string | number>) => string): FieldLabel {
  const field = (key: string) => (key === 'flowId' ? t('catalogue.flow') : t(`catalogue.${key}`) === `catalogue.${key}` ? undefined : t(`catalogue.${key}`));
  return (pointer) => {
    const [first, second, third] = pointer.split('/').slice(1);
    if (first === 'columns' && second) return field(second);
    if (first !== 'rows') return first ? field(first) : undefined;
    const row = Number(second) + 2;
    const column = third ? field(third) : undefined;
    return column ? t('catalogue.csvCell', { row, column }) : t('catalogue.csvRow', { row });
  };
}

export type Item = Awaited<ReturnType<typeof api.catalogue.list.query>>[number];
type Input = Parameters<typeof api.catalogue.upsert.mutate>[0];
type Material = Input['materials'][number];

const MODES = ['proxy', 'village_accepts', 'township_completes', 'inform'] as const;
const TEXTS = ['code', 'name', 'type', 'department', 'serviceObject', 'fee'] as const;
const AREAS = ['legalBasis', 'conditions'] as const;

function blank(): Input {
  return {
    code: '',
    name: '',
    type: '公共服务',
    department: '',
    legalBasis: '',
    serviceObject: '',
    conditions: '',
    materials: [],
    promisedDays: 5,
    statutoryDays: 20,
    fee: '不收费',
    mode: 'proxy',
    flowId: 'proxy-service',
  };
}

export function ItemEditor({ item, onDone }: { item: Item | null; onDone: (saved: Item | null) => void }) {
  const { t, text, lang } = useI18n();
  const [form, setForm] = useState<Input>(() => {
    if (!item) return blank();
    const { townshipId: _t, updatedAt: _a, updatedBy: _b, ...rest } = item;
    return rest;
  });
  const [error, setError] = useState<unknown>(null);
  const flows = useQuery({
    queryKey: ['flows.list.published'],
    queryFn: () => api.flows.list.query(),
  });
  const published = [...new Map((flows.data ?? []).filter((f) => f.status === 'published').map((f) => [f.flowId, f.title])).entries()];
  const issues = error ? errorInfo(error).issues : [];
  const found = (field: string) => issues.find((i) => i.pointer === `/${field}` || i.pointer.startsWith(`/${field}/`));
  const issue = (field: string) => {
    const i = found(field);
    return i && issueWords(lang, i);
  };
  const set = <K extends keyof Input>(k: K, v: Input[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setMaterial = (i: number, m: Partial<Material>) =>
    set(
      'materials',
      form.materials.map((x, j) => (j === i ? { ...x, ...m } : x)),
    );

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    try {
      onDone(
        await api.catalogue.upsert.mutate({
          ...form,
          flowId: form.mode === 'inform' ? null : form.flowId || null,
        }),
      );
    } catch (err) {
      setError(err);
    }
  }

  const field = (k: (typeof TEXTS)[number] | (typeof AREAS)[number], area = false) => (
    <label key={k} className={issue(k) ? 'has-error' : undefined}>
      {t(`catalogue.${k}`)}
      {area ? (
        <textarea rows={2} value={form[k]} onChange={(e) => set(k, e.target.value)} />
      ) : (
        <input value={form[k]} onChange={(e) => set(k, e.target.value)} required={k === 'code' || k === 'name'} />
      )}
      {issue(k) && <span className="field-error">{issue(k)}</span>}
    </label>
  );

  return (
    <section className="panel item-editor" aria-labelledby="item-editor-title">
      <h2 id="item-editor-title">{item ? t('catalogue.editTitle') : t('catalogue.addTitle')}</h2>
      <form onSubmit={submit}>
        <div className="item-grid">
          {TEXTS.map((k) => field(k))}
          <label>
            {t('catalogue.mode')}
            <select value={form.mode} onChange={(e) => set('mode', e.target.value as Input['mode'])}>
              {MODES.map((m) => (
                <option key={m} value={m}>
                  {t(`catalogue.modes.${m}`)}
                </option>
              ))}
            </select>
          </label>
          <label className={issue('flowId') ? 'has-error' : undefined}>
            {t('catalogue.flow')}
            <select value={form.mode === 'inform' ? '' : (form.flowId ?? '')} disabled={form.mode === 'inform'} onChange={(e) => set('flowId', e.target.value || null)}>
              <option value="">{t('catalogue.noFlow')}</option>
              {published.map(([id, title]) => (
                <option key={id} value={id}>
                  {text({ zh: title })}
                </option>
              ))}
            </select>
            {issue('flowId') && <span className="field-error">{issue('flowId')}</span>}
          </label>
          <label className={issue('promisedDays') ? 'has-error' : undefined}>
            {t('catalogue.promisedDays')}
            <input type="number" min={0} max={365} value={form.promisedDays} onChange={(e) => set('promisedDays', Number(e.target.value))} />
            {issue('promisedDays') && <span className="field-error">{issue('promisedDays')}</span>}
          </label>
          <label>
            {t('catalogue.statutoryDays')}
            <input type="number" min={0} max={365} value={form.statutoryDays} onChange={(e) => set('statutoryDays', Number(e.target.value))} />
          </label>
        </div>
        {AREAS.map((k) => field(k, true))}
        <fieldset className="item-materials">
          <legend>{t('catalogue.materials')}</legend>
          {form.materials.map((m, i) => (
            <div key={i} className="item-material">
              <label>
                {t('catalogue.material.name')}
                <input value={m.name} onChange={(e) => setMaterial(i, { name: e.target.value })} required />
              </label>
              <label className="inline">
                <input type="checkbox" checked={m.required} onChange={(e) => setMaterial(i, { required: e.target.checked })} />
                {t('catalogue.material.required')}
              </label>
              <label>
                {t('catalogue.material.copies')}
                <input type="number" min={0} max={99} value={m.copies} onChange={(e) => setMaterial(i, { copies: Number(e.target.value) })} />
              </label>
              <label>
                {t('catalogue.material.supplier')}
                <input value={m.supplier} onChange={(e) => setMaterial(i, { supplier: e.target.value })} />
              </label>
              <button
                type="button"
                className="link-button"
                onClick={() =>
                  set(
                    'materials',
                    form.materials.filter((_, j) => j !== i),
                  )
                }
              >
                {t('catalogue.material.remove')}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => set('materials', [...form.materials, { name: '', required: true, copies: 1, supplier: '申请人' }])}>
            {t('catalogue.material.add')}
          </button>
        </fieldset>
        {error !== null && <ErrorBox error={error} label={catalogueLabel(t)} />}
        <div className="buttons">
          <button type="submit">{t('catalogue.save')}</button>
          <button type="button" className="link-button" onClick={() => onDone(null)}>
            {t('catalogue.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
