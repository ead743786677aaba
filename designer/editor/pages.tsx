// The designer's pages, for township admins: /designer lists the township's flows and their
// versions; /designer/edit/:versionId edits one version; /designer/new starts a flow from nothing,
// from any flow of the township (?from=<flowId>), or from an imported file (?import=<n>).
// An editor session survives the address change after its first save (new → edit/:id): the page
// hands its store over instead of loading the version again, so undo history and layout stay.
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useLocation, useSearch } from 'wouter';
import type { Flow } from '../../engine/index.ts';
import { preloadLayout } from '../diagram/layout.ts';
import { useI18n } from '../i18n/index.tsx';
import { api } from '../app/trpc.ts';
import { hasTownshipRole, type Me } from '../app/session.ts';
import { ErrorBox, Loading, Query, formatTime } from '../app/ui.tsx';
import { Editor, type EditorSession, type SavedVersion } from './Editor.tsx';
import { freeFlowId, parseFlowText, ImportError } from './document.ts';
import { blankFlow, copyFlow } from './edits.ts';
import { createEditorStore, type Baseline } from './store.ts';

/** Sessions handed from one page to the next: by version id after a save, and imported files. */
const handoff = new Map<number, EditorSession>();
let pendingImport: { doc: Flow; baseline: Baseline } | null = null;
let imports = 0;

function useImport() {
  const [, navigate] = useLocation();
  return (doc: Flow, baseline: Baseline) => {
    pendingImport = { doc, baseline };
    navigate(`/designer/new?import=${++imports}`);
  };
}

function AdminOnly({ me, children }: { me: Me; children: ReactNode }) {
  const { t } = useI18n();
  if (!hasTownshipRole(me, 'township_admin')) return <p className="error-box">{t('editor.home.adminOnly')}</p>;
  return <>{children}</>;
}

type VersionMeta = Awaited<ReturnType<typeof api.flows.list.query>>[number];

export function DesignerHome({ me }: { me: Me }) {
  const { t } = useI18n();
  const list = useQuery({ queryKey: ['designer', 'list'], queryFn: () => api.flows.list.query() });
  const onImport = useImport();
  const file = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <AdminOnly me={me}>
      <section className="ed-home" data-testid="designer-home">
        <h1>{t('editor.title')}</h1>
        <p className="muted">{t('editor.home.intro')}</p>
        <div className="buttons">
          <Link href="/designer/new" className="ed-button" data-testid="new-blank">
            {t('editor.home.newBlank')}
          </Link>
          <button type="button" className="secondary" onClick={() => file.current?.click()}>
            {t('editor.home.import')}
          </button>
          <input
            ref={file}
            type="file"
            hidden
            accept=".json,application/json"
            data-testid="home-import-file"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (!f) return;
              try {
                const { doc, baseline } = parseFlowText(await f.text());
                onImport(doc, baseline);
              } catch (error) {
                setProblem(error instanceof ImportError ? error.message : String(error));
              }
            }}
          />
        </div>
        {problem && <p className="error-box">{t('editor.toolbar.importFailed', { message: problem })}</p>}
        <Query q={list}>{(versions) => <FlowTable versions={versions} />}</Query>
      </section>
    </AdminOnly>
  );
}

function FlowTable({ versions }: { versions: VersionMeta[] }) {
  const { t } = useI18n();
  const flows = new Map<string, VersionMeta[]>();
  for (const v of versions) flows.set(v.flowId, [...(flows.get(v.flowId) ?? []), v]);
  if (!flows.size) return <p>{t('common.none')}</p>;
  return (
    <ul className="cards ed-flows" data-testid="flow-list">
      {[...flows].map(([flowId, vs]) => {
        const latest = vs[vs.length - 1]!;
        return (
          <li key={flowId} className="card" data-flow={flowId}>
            <h2>
              {latest.title} <code className="ed-code">{flowId}</code>
            </h2>
            <table className="table">
              <thead>
                <tr>
                  <th>{t('editor.home.version')}</th>
                  <th>{t('editor.home.status')}</th>
                  <th>{t('editor.home.changed')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {[...vs].reverse().map((v) => (
                  <tr key={v.id} data-version={v.version}>
                    <td>
                      <code className="ed-code">{v.version}</code>
                    </td>
                    <td>
                      <span className={`badge ${v.status === 'published' ? 'ok' : ''}`}>{t(`editor.status.${v.status}`)}</span>
                    </td>
                    <td>{formatTime(v.publishedAt ?? v.createdAt)}</td>
                    <td>
                      <Link href={`/designer/edit/${v.id}`}>{t('editor.home.edit')}</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Link href={`/designer/new?from=${encodeURIComponent(flowId)}`} data-testid={`copy-${flowId}`}>
              {t('editor.home.copy')}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}

function useEditorNavigation(currentId: number | null) {
  const [, navigate] = useLocation();
  const onSaved = (session: EditorSession) => (s: SavedVersion) => {
    if (s.id !== currentId) {
      handoff.set(s.id, session);
      navigate(`/designer/edit/${s.id}`, { replace: true });
    }
  };
  return onSaved;
}

export function EditRoute({ me, versionId }: { me: Me; versionId: number }) {
  // ELK (1.4 MB) loads while the flow is fetched, instead of after the canvas asks for a layout.
  preloadLayout();
  const onImport = useImport();
  const saved = useEditorNavigation(versionId);
  const adopted = useMemo(() => {
    const s = handoff.get(versionId);
    handoff.delete(versionId);
    return s ?? null;
  }, [versionId]);
  const q = useQuery({
    queryKey: ['designer', 'version', versionId],
    enabled: !adopted,
    queryFn: async (): Promise<EditorSession> => {
      const v = await api.flows.get.query({ id: versionId });
      const { doc, baseline } = parseFlowText(v.json);
      return { store: createEditorStore(doc, baseline), saved: { id: v.id, version: v.version, status: v.status, doc } };
    },
    staleTime: Infinity,
    gcTime: 0,
  });
  const session = adopted ?? q.data;
  return (
    <AdminOnly me={me}>
      {session ? <Editor key={versionId} session={session} onSaved={saved(session)} onImport={onImport} /> : q.error ? <ErrorBox error={q.error} /> : <Loading />}
    </AdminOnly>
  );
}

export function NewRoute({ me }: { me: Me }) {
  const search = useSearch();
  const onImport = useImport();
  const saved = useEditorNavigation(null);
  const params = new URLSearchParams(search);
  const from = params.get('from');
  const q = useQuery({
    queryKey: ['designer', 'new', search],
    queryFn: async (): Promise<EditorSession> => {
      if (params.has('import') && pendingImport) {
        const { doc, baseline } = pendingImport;
        pendingImport = null;
        return { store: createEditorStore(doc, baseline), saved: null };
      }
      const all = await api.flows.list.query();
      const ids = new Set(all.map((v) => v.flowId));
      if (from) {
        const versions = all.filter((v) => v.flowId === from);
        const pick = [...versions].reverse().find((v) => v.status === 'published') ?? versions[versions.length - 1];
        if (!pick) throw new Error(`flow ${from} not found`);
        const v = await api.flows.get.query({ id: pick.id });
        const copy = copyFlow(v.flow as Flow, freeFlowId(ids, `${from}-copy`));
        return { store: createEditorStore(copy), saved: null };
      }
      return { store: createEditorStore(blankFlow(freeFlowId(ids, 'new-flow'))), saved: null };
    },
    staleTime: Infinity,
    gcTime: 0,
  });
  return (
    <AdminOnly me={me}>
      {q.data ? <Editor key={search} session={q.data} onSaved={saved(q.data)} onImport={onImport} /> : q.error ? <ErrorBox error={q.error} /> : <Loading />}
    </AdminOnly>
  );
}
