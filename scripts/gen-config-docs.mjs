// Writes docs/config.md from the built config schema (run `npm run build` first).
import { writeFileSync } from 'node:fs';
import { renderConfigReference } from '../dist/config/describe.js';

writeFileSync(new URL('../docs/config.md', import.meta.url), renderConfigReference());
