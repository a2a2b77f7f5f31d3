/**
 * Dependency graphs of job types: a topological order, or the path of a cycle. Pure.
 */

/**
 * Orders `nodes` so that every node comes after the nodes it depends on (restricted to
 * `nodes`), keeping the input order among independent nodes. Returns the cycle as a path
 * (`['a', 'b', 'a']`) when there is one.
 */
export function sortTopologically(
  nodes: readonly string[],
  dependenciesOf: (node: string) => readonly string[],
): { order: string[]; cycle: null } | { order: null; cycle: string[] } {
  const inSet = new Set(nodes);
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const stack: string[] = [];

  function visit(node: string): string[] | null {
    const seen = state.get(node);
    if (seen === 'done') return null;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const dependency of dependenciesOf(node)) {
      if (!inSet.has(dependency)) continue;
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    order.push(node);
    return null;
  }

  for (const node of nodes) {
    const cycle = visit(node);
    if (cycle) return { order: null, cycle };
  }
  return { order, cycle: null };
}
