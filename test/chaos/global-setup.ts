/**
 * Global setup of the `chaos` project: starts `test-results/chaos.json` afresh, so the
 * scenarios of one run merge their figures into one file (see test/helpers/chaos-report.ts).
 */
import { createChaosResults, writeChaosResults } from '../helpers/chaos-report.js';

export function setup(): void {
  writeChaosResults(createChaosResults());
}
