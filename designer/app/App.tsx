// Providers and routes. Public pages (sign-in, the board) need no session; the rest do.
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
import { Layout } from './Layout.tsx';
import { useMe } from './session.ts';
import { Loading } from './ui.tsx';

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
        <Route path="/overview">{() => <OverviewPage me={me.data!} />}</Route>
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
