import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into dist/web and served by the control plane under /console/. Workspace packages are read from their
// TypeScript sources (the "source" export condition): the bundle needs no build of @sedna/lib.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: '/console/',
  plugins: [react()],
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  build: {
    outDir: new URL('../dist/web', import.meta.url).pathname,
    emptyOutDir: true,
    chunkSizeWarningLimit: 3000,
    sourcemap: false,
  },
});
