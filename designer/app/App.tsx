// Providers and routes. Public pages (sign-in, the board) need no session; the rest do.
import { lazy, Suspense } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Redirect, Route, Switch } from 'wouter';
import { I18nProvider } from '../i18n/index.tsx';
import { LoginPage } from '../auth/LoginPage.tsx';
import { BoardPage } from '../board/BoardPage.tsx';
import { InboxPage } from '../runner/InboxPage.tsx';
import { InstancesPage } from '../runner/InstancesPage.tsx';
import { InstancePage } from '../runner/InstancePage.tsx';
import { AuditPage } from '../audit/AuditPage.tsx';
import { OverviewPage } from '../overview/OverviewPage.tsx';
import { CataloguePage } from '../catalogue/CataloguePage.tsx';
import { NoticePage } from '../catalogue/NoticePage.tsx';
import { Layout } from './Layout.tsx';
import { useMe } from './session.ts';
import { Loading } from './ui.tsx';

// The flow designer (township admins) is a chunk of its own: the canvas, ELK and the validator.
const DesignerHome = lazy(() => import('../editor/pages.tsx').then((m) => ({ default: m.DesignerHome })));
const DesignerEdit = lazy(() => import('../editor/pages.tsx').then((m) => ({ default: m.EditRoute })));
const DesignerNew = lazy(() => import('../editor/pages.tsx').then((m) => ({ default: m.NewRoute })));

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } });

function SignedIn() {
  const me = useMe();
  if (me.isLoading) return <Loading />;
  if (!me.data) return <Redirect to="/login" />;
  return (
    <Layout me={me.data}>
      <Switch>
        <Route path="/">{() => <InboxPage me={me.data!} />}</Route>
        <Route path="/instances">{() => <InstancesPage me={me.data!} />}</Route>
        <Route path="/instances/:id">{(p) => <InstancePage id={p.id} />}</Route>
        <Route path="/audit/:id">{(p) => <AuditPage id={p.id} />}</Route>
        <Route path="/catalogue">{() => <CataloguePage me={me.data!} />}</Route>
        <Route path="/catalogue/:id/notice">{(p) => <NoticePage id={p.id} />}</Route>
        <Route path="/overview">{() => <OverviewPage me={me.data!} />}</Route>
        <Route path="/designer">{() => <Suspense fallback={<Loading />}><DesignerHome me={me.data!} /></Suspense>}</Route>
        <Route path="/designer/new">{() => <Suspense fallback={<Loading />}><DesignerNew me={me.data!} /></Suspense>}</Route>
        <Route path="/designer/edit/:versionId">{(p) => <Suspense fallback={<Loading />}><DesignerEdit me={me.data!} versionId={Number(p.versionId)} /></Suspense>}</Route>
        <Route>
          <Redirect to="/" />
        </Route>
      </Switch>
    </Layout>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <I18nProvider>
        <Switch>
          <Route path="/login" component={LoginPage} />
          <Route path="/board">{() => <BoardPage villageId={null} />}</Route>
          <Route path="/board/:villageId">{(p) => <BoardPage villageId={p.villageId} />}</Route>
          <Route>
            <SignedIn />
          </Route>
        </Switch>
      </I18nProvider>
    </QueryClientProvider>
  );
}
