// Providers and routes. Public pages (sign-in, the board) need no session; the rest do.
import { lazy, Suspense } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Redirect, Route, Switch } from 'wouter';
import { I18nProvider } from './i18n/index.tsx';
import { LoginPage } from './auth/LoginPage.tsx';
import { ChangePasswordPage } from './auth/ChangePasswordPage.tsx';
import { BoardPage } from './board/BoardPage.tsx';
import { Layout } from './app/Layout.tsx';
import { useMe } from './app/session.ts';
import { RoleLabels } from './app/roles.ts';
import { Loading } from './app/ui.tsx';

// The public board and sign-in load only what they show. Each signed-in area is a chunk of its own,
// fetched when first opened: the runner (forms: RJSF and Ajv), the auditor, the overview, the
// catalogue, the working-day calendar, and the flow designer (the canvas, ELK and the validator).
const InboxPage = lazy(() => import('./runner/InboxPage.tsx').then((m) => ({ default: m.InboxPage })));
const InstancesPage = lazy(() => import('./runner/InstancesPage.tsx').then((m) => ({ default: m.InstancesPage })));
const AuditLogPage = lazy(() => import('./audit/AuditLogPage.tsx').then((m) => ({ default: m.AuditLogPage })));
const InstancePage = lazy(() => import('./runner/InstancePage.tsx').then((m) => ({ default: m.InstancePage })));
const AuditPage = lazy(() => import('./audit/AuditPage.tsx').then((m) => ({ default: m.AuditPage })));
const OverviewPage = lazy(() => import('./overview/OverviewPage.tsx').then((m) => ({ default: m.OverviewPage })));
const CataloguePage = lazy(() => import('./catalogue/CataloguePage.tsx').then((m) => ({ default: m.CataloguePage })));
const NoticePage = lazy(() => import('./catalogue/NoticePage.tsx').then((m) => ({ default: m.NoticePage })));
const CalendarPage = lazy(() => import('./calendar/CalendarPage.tsx').then((m) => ({ default: m.CalendarPage })));
const CalendarYearPage = lazy(() => import('./calendar/CalendarPage.tsx').then((m) => ({ default: m.CalendarYearPage })));
const DesignerHome = lazy(() => import('./editor/pages.tsx').then((m) => ({ default: m.DesignerHome })));
const DesignerEdit = lazy(() => import('./editor/pages.tsx').then((m) => ({ default: m.EditRoute })));
const OrgPage = lazy(() => import('./org/OrgPage.tsx').then((m) => ({ default: m.OrgPage })));
const AccountPage = lazy(() => import('./org/AccountPage.tsx').then((m) => ({ default: m.AccountPage })));
const SetupPage = lazy(() => import('./org/SetupPage.tsx').then((m) => ({ default: m.SetupPage })));
const DesignerNew = lazy(() => import('./editor/pages.tsx').then((m) => ({ default: m.NewRoute })));

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } });

function SignedIn() {
  const me = useMe();
  if (me.isLoading) return <Loading />;
  if (!me.data) return <Redirect to="/login" />;
  // A password an admin chose is replaced before anything else (the server refuses the rest).
  if (me.data.user.mustChangePassword) return <ChangePasswordPage me={me.data} />;
  return (
    <Layout me={me.data}>
      <RoleLabels />
      <Suspense fallback={<Loading />}>
        <Switch>
          <Route path="/">{() => <InboxPage me={me.data!} />}</Route>
          <Route path="/instances">{() => <InstancesPage me={me.data!} />}</Route>
          <Route path="/instances/:id">{(p) => <InstancePage id={p.id} />}</Route>
          <Route path="/audit-log">{() => <AuditLogPage />}</Route>
          <Route path="/audit/:id">{(p) => <AuditPage id={p.id} />}</Route>
          <Route path="/catalogue">{() => <CataloguePage me={me.data!} />}</Route>
          <Route path="/catalogue/:id/notice">{(p) => <NoticePage id={p.id} />}</Route>
          <Route path="/overview">{() => <OverviewPage me={me.data!} />}</Route>
          <Route path="/calendar">{() => <CalendarPage me={me.data!} />}</Route>
          <Route path="/calendar/:year">{(p) => (/^\d{4}$/.test(p.year) ? <CalendarYearPage me={me.data!} year={Number(p.year)} /> : <Redirect to="/calendar" />)}</Route>
          <Route path="/org">{() => <OrgPage me={me.data!} />}</Route>
          <Route path="/account">{() => <AccountPage me={me.data!} />}</Route>
          <Route path="/designer">{() => <DesignerHome me={me.data!} />}</Route>
          <Route path="/designer/new">{() => <DesignerNew me={me.data!} />}</Route>
          <Route path="/designer/edit/:versionId">{(p) => <DesignerEdit me={me.data!} versionId={Number(p.versionId)} />}</Route>
          <Route>
            <Redirect to="/" />
          </Route>
        </Switch>
      </Suspense>
    </Layout>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <I18nProvider>
        <Switch>
          <Route path="/login" component={LoginPage} />
          <Route path="/setup">
            <Suspense fallback={<Loading />}>
              <SetupPage />
            </Suspense>
          </Route>
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
