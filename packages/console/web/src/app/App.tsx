/** The console's frame: the login until a token works, then the header and the page of the current route. */
import { AppShell, Button, Group, Loader, Text } from '@mantine/core';
import { lazy, Suspense, useMemo, useState } from 'react';
import { ApiClient, savedToken, saveToken } from '../api/client';
import { ApiContext } from '../api/context';
import { LoginPage } from '../login/LoginPage';
import { LogSearchPage } from '../logs/LogSearchPage';
import { OverviewPage } from '../overview/OverviewPage';

// The pages with the graph editor (React Flow, elkjs) and the code editor (CodeMirror) load when first opened:
// the login and the overview stay small.
const ComposerPage = lazy(() => import('../composer/ComposerPage').then((m) => ({ default: m.ComposerPage })));
const JobPage = lazy(() => import('../job/JobPage').then((m) => ({ default: m.JobPage })));
const YamlPage = lazy(() => import('../yaml/YamlPage').then((m) => ({ default: m.YamlPage })));
const CreatePage = lazy(() => import('../yaml/CreatePage').then((m) => ({ default: m.CreatePage })));
import { Link } from './Link';
import { useRoute, type Route } from './router';

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'job':
      return <JobPage plural={route.plural} namespace={route.namespace} name={route.name} />;
    case 'yaml':
      return <YamlPage plural={route.plural} namespace={route.namespace} name={route.name} />;
    case 'create':
      return <CreatePage {...(route.kind ? { kind: route.kind } : {})} />;
    case 'composer':
      return <ComposerPage />;
    case 'logs':
      return <LogSearchPage />;
  }
}

export function App() {
  const [token, setToken] = useState(savedToken);
  const api = useMemo(() => (token ? new ApiClient(token) : undefined), [token]);
  const route = useRoute();
  if (!api) {
    return (
      <LoginPage
        onLogin={(t) => {
          saveToken(t);
          setToken(t);
        }}
      />
    );
  }
  return (
    <ApiContext.Provider value={api}>
      <AppShell header={{ height: 52 }} padding="md">
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="lg" wrap="nowrap">
              <Text fw={700}>Sedna</Text>
              <Link to={{ page: 'overview' }} testId="nav-overview">Overview</Link>
              <Link to={{ page: 'composer' }} testId="nav-composer">Composer</Link>
              <Link to={{ page: 'create' }} testId="nav-create">Create</Link>
              <Link to={{ page: 'logs' }} testId="nav-logs">Log search</Link>
            </Group>
            <Button
              variant="subtle"
              size="xs"
              onClick={() => {
                saveToken(undefined);
                setToken(undefined);
              }}
            >
              Log out
            </Button>
          </Group>
        </AppShell.Header>
        <AppShell.Main>
          <Suspense fallback={<Loader size="sm" />}>
            <Page route={route} />
          </Suspense>
        </AppShell.Main>
      </AppShell>
    </ApiContext.Provider>
  );
}
