/**
 * The console's frame: the login until a token works, then the console (Console.tsx). The first page a visitor
 * gets is the login: it holds only React, the few Mantine components it draws and their styles; the console's
 * frame, pages and editors load after (bench/console_load measures it).
 */
import { Loader } from '@mantine/core';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { ApiClient, savedToken, saveToken } from '../api/client';
import { ApiContext } from '../api/context';
import { LoginPage } from '../login/LoginPage';

const loadConsole = () => import('./Console');
const Console = lazy(loadConsole);

export function App() {
  const [token, setToken] = useState(savedToken);
  const api = useMemo(() => (token ? new ApiClient(token) : undefined), [token]);
  // Once the login is on screen, fetch the console while the user types the token (after the first paint, so it
  // does not delay it).
  useEffect(() => {
    if (token) return;
    const timer = setTimeout(() => void loadConsole(), 300);
    return () => clearTimeout(timer);
  }, [token]);
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
      <Suspense fallback={<Loader size="sm" m="md" />}>
        <Console
          onLogout={() => {
            saveToken(undefined);
            setToken(undefined);
          }}
        />
      </Suspense>
    </ApiContext.Provider>
  );
}
