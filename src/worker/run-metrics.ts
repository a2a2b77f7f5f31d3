/**
 * The `ctx.metrics` a handler records into. A pipeline keeps one set per step under
 * `steps.<name>`, beside the run's own metrics.
 */
import type { RunMetrics } from '../define.js';

function createMetricSet(): RunMetrics {
  const values: Record<string, unknown> = {};
  return {
    set(name, value) {
      values[name] = value;
    },
    increment(name, by = 1) {
      const current = values[name];
      values[name] = (typeof current === 'number' ? current : 0) + by;
    },
    snapshot: () => ({ ...values }),
  };
}

export function createRunMetrics() {
  const root = createMetricSet();
  const steps = new Map<string, RunMetrics>();
  return {
    root,
    step(name: string): RunMetrics {
      let metrics = steps.get(name);
      if (!metrics) steps.set(name, (metrics = createMetricSet()));
      return metrics;
    },
    snapshot(): Record<string, unknown> {
      const snapshot = root.snapshot();
      if (steps.size > 0) snapshot.steps = Object.fromEntries([...steps].map(([name, metrics]) => [name, metrics.snapshot()]));
      return snapshot;
    },
  };
}
