/**
 * The console once logged in: the header and the page of the current route. Loaded after the login (its code and
 * styles are not part of the first page); the pages with the graph and code editors load when first opened.
 */
import './console-styles';
import { AppShell, Button, Group, Loader, Text } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { OverviewPage } from '../overview/OverviewPage';
import { Link } from './Link';
import { useRoute, type Route } from './router';

// The overview (the page after the login) comes with the frame; the others load when first opened.
const LogSearchPage = lazy(() => import('../logs/LogSearchPage').then((m) => ({ default: m.LogSearchPage })));
const ComposerPage = lazy(() => import('../composer/ComposerPage').then((m) => ({ default: m.ComposerPage })));
const JobPage = lazy(() => import('../job/JobPage').then((m) => ({ default: m.JobPage })));
const YamlPage = lazy(() => import('../yaml/YamlPage').then((m) => ({ default: m.YamlPage })));
const CreatePage = lazy(() => import('../yaml/CreatePage').then((m) => ({ default: m.CreatePage })));

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

export default function Console({ onLogout }: { onLogout: () => void }) {
  const route = useRoute();
  return (
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
          <Button variant="subtle" size="xs" onClick={onLogout}>
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
  );
}
