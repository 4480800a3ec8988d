import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// `npm run dev:web` serves the console with hot reload and passes /api (and the /api/events socket)
// to a safecity server on :8080. The build goes to web/dist, which that server serves at /.
export default defineConfig({
  root,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } } },
});
