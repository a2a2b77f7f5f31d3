// The web console: built into dist/console by `npm run build` (so `npm ci` leaves it ready) and
// served at `/` by `hourglass start` and `hourglass api`. `npm run dev:console` serves it with
// hot reload and forwards the API to a running Hourglass on HOURGLASS_PORT (default 8080).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = `http://127.0.0.1:${process.env.HOURGLASS_PORT ?? 8080}`;

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: fileURLToPath(new URL('../dist/console', import.meta.url)), emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': { target: api, changeOrigin: true } } },
});
