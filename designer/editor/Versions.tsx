// The designer's Versions panel: every saved version of the flow (version, status, when and by
// whom published or saved), each with "compare…"; and, while comparing, what differs between
// the chosen version and the design being edited — listed here (states, transitions, forms,
// roles, the flow's own properties) and marked on the canvas (designer/editor/diffMarks.ts).
// Once the version being edited is published, the running instances of the others can be
// migrated to it (designer/editor/Migration.tsx).
import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { diffFlows, isEmptyDiff, transitionKey, type FlowDiff, type TransitionKey, type Flow } from '../../engine/index.ts';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import { formatTime, useErrorText } from '../app/ui.tsx';
import { eventWords } from '../diagram/words.ts';
import { canvasDiff, type CanvasDiff, type DiffMark } from './diffMarks.ts';
import { useDoc } from './context.tsx';
import { MigrationPanel } from './Migration.tsx';
import type { Selection } from './store.ts';

/** The version the document is compared with. */
export interface CompareTarget {
  id: number;
  version: string;
  status: 'draft' | 'published';
  doc: Flow;
}
export interface DiffView {
  target: CompareTarget;
  diff: FlowDiff;
  canvas: CanvasDiff;
}

/** The diff of the document against the chosen version, recomputed as the document changes. */
export function useDiffView(target: CompareTarget | null, doc: Flow): DiffView | null {
  return useMemo(() => {
    if (!target) return null;
    const diff = diffFlows(target.doc, doc);
    return { target, diff, canvas: canvasDiff(target.doc, doc, diff) };
  }, [target, doc]);
}

function counts(d: FlowDiff) {
  return {
    added: d.states.added.length + d.transitions.added.length + d.roles.added.length + d.forms.changed.reduce((n, f) => n + f.added.length, 0),
    removed: d.states.removed.length + d.transitions.removed.length + d.roles.removed.length + d.forms.changed.reduce((n, f) => n + f.removed.length, 0),
    changed: d.top.length + d.states.changed.length + d.transitions.changed.length + d.roles.changed.length + d.forms.changed.reduce((n, f) => n + f.changed.length + f.other.length, 0),
  };
}

function Tag({ mark }: { mark: DiffMark }) {
  const { t } = useI18n();
  return <span className={`vd-tag vd-tag-${mark}`}>{t(`editor.versions.mark.${mark}`)}</span>;
}

/** Over the canvas while comparing: with what, the legend, and a way out. */
export function DiffBar({ view, onClose }: { view: DiffView; onClose: () => void }) {
  const { t } = useI18n();
  const c = counts(view.diff);
  return (
    <div className="vd-bar" role="status" data-testid="diff-bar">
      <strong>{t('editor.versions.banner', { version: view.target.version, status: t(`editor.status.${view.target.status}`) })}</strong>
      <span>{isEmptyDiff(view.diff) ? t('editor.versions.same') : t('editor.versions.counts', c)}</span>
      <span className="vd-legend">
        <Tag mark="added" />
        <Tag mark="removed" />
        <Tag mark="changed" />
        {view.canvas.ghostEdges.some((e) => e.mark === 'before') && <Tag mark="before" />}
      </span>
      <button type="button" className="secondary" onClick={onClose} data-testid="diff-close">
        {t('editor.versions.stop')}
      </button>
    </div>
  );
}

export function VersionsPanel({
  flowId,
  saved,
  edited,
  view,
  onCompare,
  onPick,
}: {
  flowId: string;
  /** The version the document was opened from or last saved as. */
  saved: { id: number; version: string; status?: 'draft' | 'published' } | null;
  /** The document differs from `saved`: migrating to `saved` now would not be what is on screen. */
  edited: boolean;
  view: DiffView | null;
  onCompare: (target: CompareTarget | null) => void;
  onPick: (sel: Selection) => void;
}) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const doc = useDoc();
  const list = useQuery({ queryKey: ['designer', 'list'], queryFn: () => api.flows.list.query() });
  const [loading, setLoading] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const versions = (list.data ?? []).filter((v) => v.flowId === flowId).reverse();

  const compare = async (id: number) => {
    setLoading(id);
    setProblem(null);
    try {
      const v = await api.flows.get.query({ id });
      onCompare({ id: v.id, version: v.version, status: v.status, doc: v.flow as Flow });
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setLoading(null);
    }
  };

  return (
    <section className="vd-panel" aria-label={t('editor.versions.title')} data-testid="versions-panel">
      <h2>{t('editor.versions.title')}</h2>
      <p className="ed-hint">{t('editor.versions.hint')}</p>
      {list.isPending ? (
        <p className="muted">{t('editor.versions.loading')}</p>
      ) : versions.length === 0 ? (
        <p className="muted">{t('editor.versions.none')}</p>
      ) : (
        <table className="table vd-versions">
          <thead>
            <tr>
              <th>{t('editor.versions.version')}</th>
              <th>{t('editor.versions.status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => {
              const on = view?.target.id === v.id;
              return (
                <tr key={v.id} data-version={v.version} data-testid="version-row" className={on ? 'vd-on' : undefined}>
                  <td>
                    <code className="ed-code">{v.version}</code>
                  </td>
                  <td>
                    <span className={`badge ${v.status === 'published' ? 'ok' : ''}`}>{t(`editor.status.${v.status}`)}</span>
                    <div className="vd-when">
                      {v.publishedAt
                        ? `${t('editor.versions.published')} ${t('editor.versions.by', { at: formatTime(v.publishedAt), who: v.publishedBy ?? '' })}`
                        : `${t('editor.versions.created')} ${t('editor.versions.by', { at: formatTime(v.createdAt), who: v.createdBy })}`}
                    </div>
                    {v.id === saved?.id && <div className="vd-current">{saved.version === doc.version ? t('editor.versions.current') : t('editor.versions.source', { version: doc.version })}</div>}
                  </td>
                  <td>
                    {on ? (
                      <button type="button" className="secondary" onClick={() => onCompare(null)}>
                        {t('editor.versions.stop')}
                      </button>
                    ) : (
                      <button type="button" className="secondary" disabled={loading !== null} onClick={() => void compare(v.id)} data-testid={`compare-${v.version}`}>
                        {loading === v.id ? t('editor.versions.loading') : t('editor.versions.compare')}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {problem && <p className="ed-problem">{problem}</p>}
      {view && <DiffList view={view} onPick={onPick} />}
      {saved?.status === 'published' && !edited && <MigrationPanel key={saved.id} toVersionId={saved.id} version={saved.version} />}
    </section>
  );
}

interface Item {
  key: string;
  mark: DiffMark;
  kind: 'top' | 'state' | 'transition' | 'form' | 'role';
  what: string;
  detail?: string;
  pick?: Selection;
}

/** The diff in words, by section. */
export function DiffList({ view, onPick }: { view: DiffView; onPick: (sel: Selection) => void }) {
  const { t, text, role, lang } = useI18n();
  const doc = useDoc();
  const { diff, target } = view;
  const list = useMemo(() => items(diff, target.doc, doc, { t, text, role }), [diff, target.doc, doc, t, text, role, lang]);
  const sections = (['top', 'state', 'transition', 'form', 'role'] as const).map((kind) => ({ kind, items: list.filter((i) => i.kind === kind) })).filter((s) => s.items.length);
  const sectionKey = { top: 'top', state: 'states', transition: 'transitions', form: 'forms', role: 'roles' } as const;
  return (
    <div className="vd-list" data-testid="diff-list">
      <h3>{t('editor.versions.banner', { version: target.version, status: t(`editor.status.${target.status}`) })}</h3>
      {sections.length === 0 ? (
        <p className="ed-ok">{t('editor.versions.same')}</p>
      ) : (
        sections.map((s) => (
          <section key={s.kind} className="vd-section">
            <h4>{t(`editor.versions.sections.${sectionKey[s.kind]}`)}</h4>
            <ul>
              {s.items.map((i) => (
                <li key={i.key} className={`vd-item vd-item-${i.mark}`} data-diff={i.kind} data-mark={i.mark} data-key={i.key}>
                  <button type="button" className="vd-item-button" disabled={!i.pick} onClick={() => i.pick && onPick(i.pick)}>
                    <Tag mark={i.mark} />
                    <span className="vd-what">{i.what}</span>
                    {i.detail && <span className="vd-detail">{i.detail}</span>}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))
      )}
    </div>
  );
}

type Words = { t: (k: string, v?: Record<string, string | number>) => string; text: (x: { zh: string; en?: string } | undefined | null) => string; role: (r: string) => string };

function items(diff: FlowDiff, base: Flow, doc: Flow, { t, text, role }: Words): Item[] {
  const out: Item[] = [];
  // Titles: the document's where it has the state, else the compared version's.
  const stateTitle = (id: string) => text(doc.states?.[id]?.title ?? base.states?.[id]?.title) || id;
  const roleName = (r: string) => text(doc.roles?.[r] ?? base.roles?.[r]) || role(r);
  const evt = (k: TransitionKey) => (k.event === 'after' ? t('diagram.after', { duration: k.duration ?? '' }) : eventWords(t, k.event));
  const ref = (k: TransitionKey): Selection => ({ kind: 'transition', ref: { source: k.source, event: k.event, index: k.index, ...(k.duration !== undefined ? { duration: k.duration } : {}) } });
  const target = (x: string | undefined) => (x ? stateTitle(x) : t('editor.versions.nowhere'));
  // Role lists (starters, readers) by the roles' names.
  const show = (v: unknown) =>
    v === undefined ? '—' : typeof v === 'string' ? v : Array.isArray(v) && v.every((r) => typeof r === 'string') ? v.map(roleName).join('、') || '∅' : v && typeof v === 'object' && 'zh' in (v as object) ? text(v as { zh: string }) : JSON.stringify(v);

  for (const c of diff.top) {
    out.push({ key: `top:${c.field}`, mark: 'changed', kind: 'top', what: t(`editor.versions.top.${c.field}`), detail: c.field === 'data' ? undefined : `${show(c.before)} → ${show(c.after)}` });
  }
  for (const id of diff.states.added) out.push({ key: `state:${id}`, mark: 'added', kind: 'state', what: `${stateTitle(id)} (${id})`, pick: { kind: 'state', id } });
  for (const id of diff.states.removed) out.push({ key: `state:${id}`, mark: 'removed', kind: 'state', what: `${stateTitle(id)} (${id})` });
  for (const c of diff.states.changed) out.push({ key: `state:${c.id}`, mark: 'changed', kind: 'state', what: `${stateTitle(c.id)} (${c.id})`, detail: t('editor.versions.fields', { fields: c.fields.join(', ') }), pick: { kind: 'state', id: c.id } });
  for (const e of diff.transitions.added) {
    out.push({ key: transitionKey(e), mark: 'added', kind: 'transition', what: `${stateTitle(e.source)} · ${evt(e)} → ${target(e.target)}`, pick: ref(e) });
  }
  for (const e of diff.transitions.removed) {
    out.push({ key: transitionKey(e), mark: 'removed', kind: 'transition', what: `${stateTitle(e.source)} · ${evt(e)} → ${target(e.target)}` });
  }
  for (const c of diff.transitions.changed) {
    const others = c.fields.filter((f) => f !== 'target');
    const detail = [
      c.fields.includes('target') ? t('editor.versions.was', { before: target(c.before.target) }) : '',
      others.length ? t('editor.versions.fields', { fields: others.map((f) => t(`editor.versions.transitionFields.${f}`)).join('、') }) : '',
    ]
      .filter(Boolean)
      .join('；');
    out.push({ key: transitionKey(c), mark: 'changed', kind: 'transition', what: `${stateTitle(c.source)} · ${evt(c)} → ${target(c.after.target)}`, detail, pick: ref(c) });
  }
  for (const f of diff.forms.changed) {
    const parts = [
      f.form === 'added' ? t('editor.versions.formAdded') : f.form === 'removed' ? t('editor.versions.formRemoved') : '',
      f.added.length ? t('editor.versions.fieldAdded', { fields: f.added.join(', ') }) : '',
      f.removed.length ? t('editor.versions.fieldRemoved', { fields: f.removed.join(', ') }) : '',
      ...f.changed.map((c) => t('editor.versions.fieldChanged', { field: c.field, keys: c.keys.join(', ') })),
      f.other.length ? t('editor.versions.formOther', { parts: f.other.join(', ') }) : '',
    ].filter(Boolean);
    const mark: DiffMark = f.form === 'added' || (!f.form && f.added.length && !f.removed.length && !f.changed.length && !f.other.length) ? 'added' : f.form === 'removed' || (!f.form && f.removed.length && !f.added.length && !f.changed.length && !f.other.length) ? 'removed' : 'changed';
    out.push({ key: `form:${f.state}`, mark, kind: 'form', what: stateTitle(f.state), detail: parts.join('；'), pick: { kind: 'state', id: f.state } });
  }
  for (const r of diff.roles.added) out.push({ key: `role:${r}`, mark: 'added', kind: 'role', what: `${roleName(r)} (${r})` });
  for (const r of diff.roles.removed) out.push({ key: `role:${r}`, mark: 'removed', kind: 'role', what: `${roleName(r)} (${r})` });
  for (const r of diff.roles.changed) out.push({ key: `role:${r}`, mark: 'changed', kind: 'role', what: `${roleName(r)} (${r})` });
  return out;
}
