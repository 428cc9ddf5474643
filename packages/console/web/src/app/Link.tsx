/** An anchor that navigates inside the app (a plain click), or opens normally (new tab, middle click). */
import { Anchor } from '@mantine/core';
import type { ReactNode } from 'react';
import { href, navigate, type Route } from './router';

export function Link({ to, children, testId }: { to: Route; children: ReactNode; testId?: string }) {
  const url = href(to);
  return (
    <Anchor
      href={url}
      data-testid={testId}
      onClick={(e: React.MouseEvent) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
        e.preventDefault();
        navigate(url);
      }}
    >
      {children}
    </Anchor>
  );
}
