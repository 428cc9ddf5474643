/**
 * Log in with the API token (`<data-dir>/apiserver/token`, or a kubeconfig's user token). The token is checked
 * against the API before it is kept (in this tab's session storage only).
 */
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ApiClient } from '../api/client';

export function LoginPage({ onLogin }: { onLogin: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await new ApiClient(token.trim()).verify();
      onLogin(token.trim());
    } catch (err) {
      setError(err instanceof Error && /401|Unauthorized/i.test(err.message) ? 'The API refused this token.' : `Cannot log in: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Center h="100vh">
      <Paper withBorder p="xl" w={420} maw="92vw">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Stack>
            <Title order={3}>Sedna console</Title>
            <Text size="sm" c="dimmed">
              Log in with the control plane&apos;s API token: the file <code>apiserver/token</code> in the data dir of <code>sedna up</code>, or the token of your kubeconfig.
            </Text>
            <PasswordInput label="Token" value={token} onChange={(e) => setToken(e.currentTarget.value)} data-testid="login-token" autoFocus />
            {error && <Alert color="red" data-testid="login-error">{error}</Alert>}
            <Button type="submit" loading={busy} disabled={!token.trim()} data-testid="login-submit">
              Log in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
