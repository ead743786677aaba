// Vite builds the web app (designer/ → dist/web); Vitest runs every test under tests/.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: 'designer',
  plugins: [react()],
  build: { outDir: `${here}dist/web`, emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/trpc': 'http://127.0.0.1:3000' } },
  test: {
    root: here,
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
