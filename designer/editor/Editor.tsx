// The flow designer's workbench: a toolbar (undo/redo, layout, import/export, save, publish), the
// palette of step kinds, the canvas, and a side panel with the inspector or the simulator; under
// the canvas, every problem of the flow (validator errors, legal issues), each a link to its place.
// Publishing is refused while an error or a statutory issue remains.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { useSelector } from '@xstate/store-react';
import { EVENT_NAME, diffFlows, sameJson, type Flow, type StateKind, type Text } from '../../engine/index.ts';
import { downloadFile } from '../app/download.ts';
import { lookup, useI18n } from '../i18n/index.tsx';
import { eventWords } from '../diagram/words.ts';
import { KindIcon } from '../diagram/StateNode.tsx';
import { api } from '../app/trpc.ts';
import { useErrorText } from '../app/ui.tsx';
import { useMe } from '../app/session.ts';
import { Canvas, type FocusRequest } from './Canvas.tsx';
import { EditorProvider, useChecks, useDoc, useEditorStore } from './context.tsx';
import { exportFileName, exportText, parseFlowText, selectionOf, suggestEvent, ImportError } from './document.ts';
import { bumpVersion, freeStateId, newState } from './edits.ts';
import { EventInput, Inspector } from './Inspector.tsx';
import { Simulator } from './Simulator.tsx';
import { history, type Baseline, type EditorStore, type Selection } from './store.ts';
import { DiffBar, VersionsPanel, useDiffView, type CompareTarget } from './Versions.tsx';
import { diffFocus } from './diffMarks.ts';
import { issueWords } from './issueWords.ts';
import { MissingRoles, useMissingRoles, type RoleToAdd } from './PublishRoles.tsx';
import { ROLES_KEY } from '../app/roles.ts';

/** The server version a document was loaded from or last saved as. */
export interface SavedVersion {
  id: number;
  version: string;
  status: 'draft' | 'published';
  doc: Flow;
}
export interface EditorSession {
  store: EditorStore;
  saved: SavedVersion | null;
  /** The last save or publish message (kept when the page changes address after a first save). */
  message?: { kind: 'ok' | 'error'; text: string } | null;
}

const KINDS: StateKind[] = ['task', 'vote', 'review', 'disclosure', 'final'];
const ID_BASE: Record<StateKind, string> = { task: 'step', vote: 'meeting', review: 'review', disclosure: 'disclosure', final: 'end' };
const ROLE_GUESS: Record<StateKind, string[]> = { task: ['party_secretary'], vote: ['clerk'], review: ['township_reviewer'], disclosure: ['committee_member'], final: [] };

/** Both languages of a catalogue label (a new step's title is the flow's text, not the reader's). */
function bilingual(key: string): Text {
  return { zh: String(lookup('zh', key) ?? key), en: String(lookup('en', key) ?? key) };
}

export function Editor({ session, onSaved, onImport }: { session: EditorSession; onSaved: (saved: SavedVersion) => void; onImport: (doc: Flow, baseline: Baseline) => void }) {
  return (
    <EditorProvider store={session.store}>
      <Workbench session={session} onSaved={onSaved} onImport={onImport} />
    </EditorProvider>
  );
}

function Workbench({ session, onSaved, onImport }: { session: EditorSession; onSaved: (saved: SavedVersion) => void; onImport: (doc: Flow, baseline: Baseline) => void }) {
  const { t, text } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const checks = useChecks();
  const [tab, setTab] = useState<'inspector' | 'simulate' | 'versions'>('inspector');
  const [compare, setCompare] = useState<CompareTarget | null>(null);
  const diffView = useDiffView(compare, doc);
  const [connect, setConnect] = useState<{ source: string; target: string } | null>(null);
  const [focus, setFocus] = useState<FocusRequest | null>(null);

  // Keyboard: undo/redo anywhere but in a text field (which has its own), Delete for the selection.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      const typing = !!el?.closest?.('input, textarea, select, [contenteditable="true"]');
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 'z' && !typing) {
        e.preventDefault();
        if (e.shiftKey) store.trigger.redo();
        else store.trigger.undo();
      } else if (mod && e.key.toLowerCase() === 'y' && !typing) {
        e.preventDefault();
        store.trigger.redo();
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && !typing && !connect) {
        if (store.getSnapshot().context.selection) {
          e.preventDefault();
          store.trigger.deleteSelection();
        }
      } else if (e.key === 'Escape' && !typing && !connect) {
        store.trigger.select({ selection: null });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, connect]);

  const addKind = (kind: StateKind) => {
    const roles = ROLE_GUESS[kind].filter((r) => Object.hasOwn(doc.roles ?? {}, r));
    const fallback = Object.keys(doc.roles ?? {}).slice(0, 1);
    const id = freeStateId(doc, ID_BASE[kind]);
    store.trigger.addState({ id, state: newState(kind, bilingual(`editor.palette.newTitle.${kind}`), roles.length ? roles : fallback, doc) });
    setTab('inspector');
  };

  const look = useCallback(
    (sel: Selection) => {
      store.trigger.select({ selection: sel });
      setTab('inspector');
      if (!sel) return;
      const nodes = sel.kind === 'state' ? [sel.id] : [sel.ref.source];
      if (sel.kind === 'transition') {
        const target = (() => {
          const v = sel.ref.event === 'after' ? doc.states[sel.ref.source]?.after?.[sel.ref.duration!] : undefined;
          if (v) return typeof v === 'string' ? v : v.target;
          const on = doc.states[sel.ref.source]?.on?.[sel.ref.event];
          const item = Array.isArray(on) ? on[sel.ref.index] : on;
          return typeof item === 'string' ? item : item?.target;
        })();
        if (target && doc.states[target]) nodes.push(target);
      }
      setFocus((f) => ({ nodes, tick: (f?.tick ?? 0) + 1 }));
    },
    [store, doc],
  );

  // Compare with a version: its differences are listed and marked, and brought into view.
  const compareWith = (c: CompareTarget | null) => {
    setCompare(c);
    const nodes = c ? diffFocus(diffFlows(c.doc, doc), doc) : [];
    if (nodes.length) setFocus((f) => ({ nodes, padding: 0.15, tick: (f?.tick ?? 0) + 1 }));
  };

  const canvasHeight = typeof window === 'undefined' ? 560 : Math.max(460, Math.min(760, window.innerHeight - 240));
  return (
    <div className="ed-page" data-testid="editor">
      <Toolbar session={session} onSaved={onSaved} onImport={onImport} />
      <div className="ed-main">
        <nav className="ed-palette" aria-label={t('editor.palette.title')}>
          <h2>{t('editor.palette.title')}</h2>
          {KINDS.map((k) => (
            <button key={k} type="button" className={`secondary ed-palette-item fd-${k}`} onClick={() => addKind(k)} data-testid={`palette-${k}`}>
              <KindIcon kind={k} />
              <span>{t('editor.palette.add', { kind: t(`diagram.kinds.${k}`) })}</span>
            </button>
          ))}
          <p className="ed-hint">{t('editor.palette.connectHint')}</p>
        </nav>
        <div className="ed-center">
          {diffView && <DiffBar view={diffView} onClose={() => setCompare(null)} />}
          <Canvas onConnect={(source, target) => setConnect({ source, target })} focus={focus} height={canvasHeight} diff={diffView?.canvas ?? null} />
          <IssueList onPick={look} />
        </div>
        <aside className="ed-side">
          <div className="ed-tabs" role="tablist" aria-label={t('editor.tabs.label')}>
            <button type="button" role="tab" aria-selected={tab === 'inspector'} className={tab === 'inspector' ? '' : 'secondary'} onClick={() => setTab('inspector')} data-testid="tab-inspector">
              {t('editor.tabs.inspector')}
            </button>
            <button type="button" role="tab" aria-selected={tab === 'simulate'} className={tab === 'simulate' ? '' : 'secondary'} onClick={() => setTab('simulate')} data-testid="tab-simulate">
              {t('editor.tabs.simulate')}
            </button>
            <button type="button" role="tab" aria-selected={tab === 'versions'} className={tab === 'versions' ? '' : 'secondary'} onClick={() => setTab('versions')} data-testid="tab-versions">
              {t('editor.tabs.versions')}
            </button>
          </div>
          <div role="tabpanel" className="ed-panel">
            {tab === 'inspector' ? (
              <Inspector />
            ) : tab === 'simulate' ? (
              <SimulatePanel />
            ) : (
              <VersionsPanel flowId={session.saved?.doc.id ?? doc.id} saved={session.saved} edited={!session.saved || !sameJson(session.saved.doc, doc)} view={diffView} onCompare={compareWith} onPick={(sel) => (look(sel), setTab('versions'))} />
            )}
          </div>
        </aside>
      </div>
      {connect && (
        <ConnectDialog
          source={connect.source}
          target={connect.target}
          onCancel={() => setConnect(null)}
          onAdd={(event) => {
            store.trigger.addTransition({ source: connect.source, event, t: { target: connect.target } });
            setConnect(null);
            setTab('inspector');
          }}
        />
      )}
      <p className="ed-visually-hidden" aria-live="polite">
        {t('editor.issues.summary', { errors: checks.errors.length, statutory: checks.statutory.length, warnings: checks.warnings.length })} {text(doc.title)}
      </p>
    </div>
  );
}

function SimulatePanel() {
  const { t } = useI18n();
  const store = useEditorStore();
  const doc = useDoc();
  const path = useSelector(store, (s) => s.context.path);
  return (
    <section className="ed-simulate" aria-label={t('editor.tabs.simulate')} data-testid="simulate-panel">
      <p className="ed-hint">{t('editor.simulate.hint')}</p>
      <Simulator flow={doc} onPath={(states) => store.trigger.setPath({ path: states })} onSaveRun={(run) => downloadFile(`${doc.id}.run.json`, `${JSON.stringify(run, null, 2)}\n`)} />
      {path.length > 0 && (
        <div className="ed-row">
          <span className="ed-hint">{t('editor.simulate.path', { n: path.length })}</span>
          <button type="button" className="secondary" onClick={() => store.trigger.setPath({ path: [] })}>
            {t('editor.simulate.clear')}
          </button>
        </div>
      )}
    </section>
  );
}

/** Asks which event a connection drawn on the canvas stands for. */
function ConnectDialog({ source, target, onCancel, onAdd }: { source: string; target: string; onCancel: () => void; onAdd: (event: string) => void }) {
  const { t, text } = useI18n();
  const doc = useDoc();
  const [event, setEvent] = useState(() => suggestEvent(doc, source));
  const valid = EVENT_NAME.test(event);
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div className="ed-backdrop" onClick={(e) => e.target === e.currentTarget && onCancel()}>
      <div
        className="ed-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="ed-connect-title"
        ref={ref}
        data-testid="connect-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') onCancel();
          if (e.key === 'Enter' && valid && (e.target as HTMLElement).tagName !== 'BUTTON') onAdd(event);
        }}
      >
        <h2 id="ed-connect-title">{t('editor.connect.title')}</h2>
        <p>
          {t('editor.connect.from', { source: text(doc.states[source]?.title) || source, target: text(doc.states[target]?.title) || target })}
        </p>
        <EventInput kind={doc.states[source]?.kind ?? 'task'} value={event} onChange={setEvent} testId="connect-event" autoFocus />
        <p className="ed-hint">{t('editor.connect.hint', { event: eventWords(t, event) })}</p>
        <div className="buttons">
          <button type="button" disabled={!valid} onClick={() => onAdd(event)} data-testid="connect-add">
            {t('editor.connect.add')}
          </button>
          <button type="button" className="secondary" onClick={onCancel}>
            {t('editor.connect.cancel')}
          </button>
        </div>
      </div>
    </div>
  );
}

/** Every problem of the flow, worst first; each a button that selects its state or transition. */
function IssueList({ onPick }: { onPick: (sel: Selection) => void }) {
  const { t, text } = useI18n();
  const doc = useDoc();
  const checks = useChecks();
  const items = [
    ...checks.errors.map((i) => ({ level: 'error' as const, pointer: i.pointer, message: issueWords(i.message, t) })),
    ...checks.statutory.map((i) => ({ level: 'statutory' as const, pointer: i.pointer, message: text(i.message) })),
    ...checks.warnings.map((i) => ({ level: 'warning' as const, pointer: i.pointer, message: text(i.message) })),
  ];
  const where = (pointer: string) => {
    const sel = selectionOf(doc, pointer);
    if (!sel) return t('editor.issues.flow');
    if (sel.kind === 'state') return text(doc.states[sel.id]?.title) || sel.id;
    const src = text(doc.states[sel.ref.source]?.title) || sel.ref.source;
    return `${src} · ${sel.ref.event === 'after' ? t('diagram.after', { duration: sel.ref.duration! }) : eventWords(t, sel.ref.event)}`;
  };
  return (
    <section className="ed-issues" aria-label={t('editor.issues.title')} data-testid="issue-list">
      <h2>
        {t('editor.issues.title')}{' '}
        <span className="ed-counts">{t('editor.issues.summary', { errors: checks.errors.length, statutory: checks.statutory.length, warnings: checks.warnings.length })}</span>
      </h2>
      {items.length === 0 ? (
        <p className="ed-ok" data-testid="no-issues">
          {t('editor.issues.none')}
        </p>
      ) : (
        <ul>
          {items.map((i, n) => (
            <li key={n} className={`ed-issue ed-issue-${i.level}`} data-level={i.level}>
              <button type="button" className="ed-issue-button" onClick={() => onPick(selectionOf(doc, i.pointer))}>
                <span className={`ed-level ed-level-${i.level}`}>{t(`editor.issues.levels.${i.level}`)}</span>
                <span className="ed-where">{where(i.pointer)}</span>
                <span className="ed-message">{i.message}</span>
                <code className="ed-code ed-pointer">{i.pointer || '/'}</code>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Toolbar({ session, onSaved, onImport }: { session: EditorSession; onSaved: (saved: SavedVersion) => void; onImport: (doc: Flow, baseline: Baseline) => void }) {
  const { t, text } = useI18n();
  const errorText = useErrorText();
  const store = useEditorStore();
  const doc = useDoc();
  const checks = useChecks();
  const qc = useQueryClient();
  const baseline = useSelector(store, (s) => s.context.baseline);
  const steps = useSelector(store, () => history(store), (a, b) => !!a && a.undo === b.undo && a.redo === b.redo);
  const [saved, setSaved] = useState<SavedVersion | null>(session.saved);
  const [busy, setBusy] = useState(false);
  const [message, setShown] = useState<{ kind: 'ok' | 'error'; text: string } | null>(session.message ?? null);
  const setMessage = (m: { kind: 'ok' | 'error'; text: string } | null) => {
    session.message = m;
    setShown(m);
  };
  const file = useRef<HTMLInputElement>(null);

  const dirty = !saved || !sameJson(saved.doc, doc);
  const frozen = !!saved && saved.status === 'published' && saved.version === doc.version;
  const blocked = checks.errors.length + checks.statutory.length;

  const remember = (s: SavedVersion) => {
    setSaved(s);
    session.saved = s;
    void qc.invalidateQueries({ queryKey: ['designer', 'list'] });
  };

  const save = async (): Promise<SavedVersion | null> => {
    const { version, issues } = await api.flows.saveDraft.mutate({ json: exportText(doc, baseline) });
    const s: SavedVersion = { id: version.id, version: version.version, status: version.status, doc };
    remember(s);
    return issues.length ? null : s;
  };

  // Publishing asks first which villages the version goes live in (PublishChooser).
  const [choosing, setChoosing] = useState(false);
  const run = async (what: 'save' | 'publish', villageIds: string[] = [], addRoles: RoleToAdd[] = []) => {
    setBusy(true);
    setMessage(null);
    try {
      if (what === 'save') {
        await save();
        setMessage({ kind: 'ok', text: t('editor.toolbar.saved', { version: doc.version }) });
      } else {
        const draft = saved && saved.status === 'draft' && !dirty ? saved : await save();
        if (!draft) throw new Error(t('editor.toolbar.notPublishable'));
        const published = await api.flows.publish.mutate({ id: draft.id, ...(addRoles.length ? { addRoles } : {}) });
        if (addRoles.length) await qc.invalidateQueries({ queryKey: ROLES_KEY });
        remember({ ...draft, status: published.status });
        await api.flows.setVillages.mutate({ flowId: published.flowId, villageIds });
        await qc.invalidateQueries({ queryKey: ['flowVillages', published.flowId] });
        setChoosing(false);
        setMessage({ kind: 'ok', text: `${t('editor.toolbar.published', { version: published.version })} ${villageIds.length ? t('org.publish.liveIn', { n: villageIds.length }) : t('org.publish.liveNowhere')}` });
      }
    } catch (error) {
      setMessage({ kind: 'error', text: errorText(error) });
    } finally {
      setBusy(false);
      // Last: this may move the page to the saved version's address.
      if (session.saved) onSaved(session.saved);
    }
  };

  const status = !saved ? t('editor.status.new') : saved.status === 'published' ? t('editor.status.published') : t('editor.status.draft');
  return (
    <header className="ed-toolbar" data-testid="editor-toolbar">
      <div className="ed-toolbar-title">
        <Link href="/designer" className="ed-back">
          {t('editor.toolbar.back')}
        </Link>
        <h1>
          {text(doc.title) || doc.id} <code className="ed-code">v{doc.version}</code>
          <span className={`badge ${saved?.status === 'published' ? 'ok' : ''}`} data-testid="editor-status">
            {status}
          </span>
          {dirty && saved && (
            <span className="badge" data-testid="editor-dirty">
              {t('editor.status.unsaved')}
            </span>
          )}
        </h1>
      </div>
      <div className="ed-toolbar-buttons" role="toolbar" aria-label={t('editor.toolbar.label')}>
        <button type="button" className="secondary" disabled={!steps.undo} onClick={() => store.trigger.undo()} title={t('editor.toolbar.undoKey')} data-testid="undo">
          {t('editor.toolbar.undo')}
        </button>
        <button type="button" className="secondary" disabled={!steps.redo} onClick={() => store.trigger.redo()} title={t('editor.toolbar.redoKey')} data-testid="redo">
          {t('editor.toolbar.redo')}
        </button>
        <button type="button" className="secondary" onClick={() => store.trigger.resetLayout()}>
          {t('editor.toolbar.layout')}
        </button>
        <button type="button" className="secondary" onClick={() => file.current?.click()} data-testid="import">
          {t('editor.toolbar.import')}
        </button>
        <input
          ref={file}
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="import-file"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            try {
              const { doc: imported, baseline: b } = parseFlowText(await f.text());
              onImport(imported, b);
            } catch (error) {
              setMessage({ kind: 'error', text: error instanceof ImportError ? t('editor.toolbar.importFailed', { message: error.message }) : String(error) });
            }
          }}
        />
        <button type="button" className="secondary" onClick={() => downloadFile(exportFileName(doc), exportText(doc, baseline))} data-testid="export">
          {t('editor.toolbar.export')}
        </button>
        <button type="button" className="secondary" disabled={busy || frozen} onClick={() => void run('save')} data-testid="save-draft">
          {t('editor.toolbar.save')}
        </button>
        <button
          type="button"
          disabled={busy || blocked > 0 || frozen}
          onClick={() => setChoosing(true)}
          aria-expanded={choosing}
          data-testid="publish"
          title={blocked ? t('editor.toolbar.blocked', { n: blocked }) : undefined}
          aria-describedby="ed-publish-note"
        >
          {t('editor.toolbar.publish')}
        </button>
      </div>
      <div id="ed-publish-note" className="ed-toolbar-note">
        {blocked > 0 && <span className="ed-problem">{t('editor.toolbar.blocked', { n: blocked })}</span>}
        {frozen && (
          <span className="ed-hint">
            {t('editor.toolbar.frozen')}{' '}
            <button type="button" className="secondary" onClick={() => store.trigger.setFlowProps({ patch: { version: bumpVersion(doc.version) } })} data-testid="bump-version">
              {t('editor.toolbar.bump', { version: bumpVersion(doc.version) })}
            </button>
          </span>
        )}
        {message && (
          <span role={message.kind === 'error' ? 'alert' : 'status'} className={message.kind === 'error' ? 'ed-problem' : 'ed-ok'} data-testid="editor-message">
            {message.text}
          </span>
        )}
      </div>
      {choosing && !frozen && <PublishChooser flowId={doc.id} roles={doc.roles} busy={busy} onPublish={(ids, addRoles) => void run('publish', ids, addRoles)} onCancel={() => setChoosing(false)} />}
      {saved?.status === 'published' && <VillagesPanel flowId={saved.doc.id} />}
    </header>
  );
}

/** The township's villages in use, and those the flow is live in now (null while loading). */
function useFlowVillages(flowId: string) {
  const me = useMe();
  const villages = (me.data?.villages ?? []).filter((v) => !v.archivedAt);
  const live = useQuery({
    queryKey: ['flowVillages', flowId, villages.map((v) => v.id).join(',')],
    queryFn: async () => new Set((await Promise.all(villages.map(async (v) => ((await api.flows.forVillage.query({ villageId: v.id })).some((f) => f.flowId === flowId) ? v.id : null)))).filter((x): x is string => !!x)),
  });
  return { villages, live: live.data ?? (live.isError ? new Set<string>() : null) };
}

/** Village checkboxes over a chosen set. */
function VillageChecks({ villages, chosen, setChosen }: { villages: { id: string; name: string }[]; chosen: Set<string>; setChosen: (s: Set<string>) => void }) {
  return (
    <>
      {villages.map((v) => (
        <label key={v.id} className="ed-check">
          <input
            type="checkbox"
            checked={chosen.has(v.id)}
            onChange={(e) => {
              const next = new Set(chosen);
              if (e.target.checked) next.add(v.id);
              else next.delete(v.id);
              setChosen(next);
            }}
          />
          {v.name}
        </label>
      ))}
    </>
  );
}

/**
 * Asked on publishing: which villages the new version goes live in. Ticked: where the flow is live
 * now, or every village for a flow published for the first time; none ticked says so in words.
 */
function PublishChooser({ flowId, roles, busy, onPublish, onCancel }: { flowId: string; roles: Flow['roles']; busy: boolean; onPublish: (villageIds: string[], addRoles: RoleToAdd[]) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const { villages, live } = useFlowVillages(flowId);
  const [chosen, setChosen] = useState<Set<string> | null>(null);
  const [missing, setMissing] = useMissingRoles(roles);
  if (!live || !missing) return null;
  const current = chosen ?? (live.size ? live : new Set(villages.map((v) => v.id)));
  return (
    <section className="ed-villages" data-testid="publish-villages" aria-label={t('org.publish.title')}>
      <p>
        <strong>{t('org.publish.title')}</strong>
      </p>
      <div className="ed-row">
        <VillageChecks villages={villages} chosen={current} setChosen={setChosen} />
      </div>
      {current.size === 0 && <p className="ed-problem">{t('org.publish.none')}</p>}
      <MissingRoles roles={missing} onChange={setMissing} />
      <div className="ed-row">
        <button type="button" disabled={busy} onClick={() => onPublish([...current], missing)} data-testid="publish-confirm">
          {missing.length ? `${t('roles.publish.addAndPublish')} · ` : ''}
          {t('org.publish.confirm', { n: current.size })}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('org.people.cancel')}
        </button>
      </div>
    </section>
  );
}

/** Which villages may start the flow (once a version of it is published). */
function VillagesPanel({ flowId }: { flowId: string }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const { villages, live } = useFlowVillages(flowId);
  const [picked, setChosen] = useState<Set<string> | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const chosen = picked ?? live;
  if (!villages.length || !chosen) return null;
  return (
    <details className="ed-villages" data-testid="villages-panel">
      <summary>{t('editor.villages.title', { n: chosen.size })}</summary>
      <div className="ed-row">
        <VillageChecks villages={villages} chosen={chosen} setChosen={setChosen} />
        <button
          type="button"
          className="secondary"
          data-testid="save-villages"
          onClick={async () => {
            try {
              await api.flows.setVillages.mutate({ flowId, villageIds: [...chosen] });
              setNote(t('editor.villages.saved'));
            } catch (error) {
              setNote(errorText(error));
            }
          }}
        >
          {t('editor.villages.save')}
        </button>
        {note && <span role="status">{note}</span>}
      </div>
    </details>
  );
}

