/**
 * The order of a batch's runs for drawing and listing: column by column as the layered graph
 * places them (a run one column right of the deepest run it depends on), and within a column
 * sorted by the average row of its neighbours (a few barycentre sweeps, down and up), which
 * untangles most edge crossings. `Graph` keeps the order it is given within a column.
 */
import type { JobRunWire } from '../../../src/api/wire.js';
import { layoutGraph } from '../components/Graph.js';

const SWEEPS = 4;

export function orderByDependencies(runs: readonly JobRunWire[]): JobRunWire[] {
  const byCreation = [...runs].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.job_type.localeCompare(b.job_type) || a.id.localeCompare(b.id));
  const byId = new Map(byCreation.map((run) => [run.id, run]));
  const positions = layoutGraph(byCreation.map((run) => ({ id: run.id, label: run.job_type, dependsOn: run.depends_on })));

  const columns = new Map<number, string[]>();
  for (const run of byCreation) {
    const x = positions.get(run.id)?.x ?? 0;
    columns.set(x, [...(columns.get(x) ?? []), run.id]);
  }
  const ordered = [...columns.entries()].sort(([a], [b]) => a - b).map(([, ids]) => ids);

  const parents = new Map(byCreation.map((run) => [run.id, run.depends_on.filter((id) => byId.has(id))]));
  const children = new Map<string, string[]>(byCreation.map((run) => [run.id, []]));
  for (const [id, ids] of parents) for (const parent of ids) children.get(parent)?.push(id);

  const row = new Map<string, number>();
  const number = (column: string[]) => column.forEach((id, index) => row.set(id, index));
  ordered.forEach(number);
  // Runs tied to nothing sink to the bottom of their column, out of the edges' way.
  const isolated = (id: string) => parents.get(id)!.length === 0 && children.get(id)!.length === 0;
  const barycentre = (id: string, neighbours: readonly string[]) => {
    if (isolated(id)) return Number.POSITIVE_INFINITY;
    const rows = neighbours.map((other) => row.get(other)).filter((value): value is number => value !== undefined);
    return rows.length > 0 ? rows.reduce((sum, value) => sum + value, 0) / rows.length : (row.get(id) ?? 0);
  };

  for (let sweep = 0; sweep < SWEEPS; sweep += 1) {
    const down = sweep % 2 === 0;
    const columnsInTurn = down ? ordered.slice(1) : ordered.slice(0, -1).reverse();
    for (const column of columnsInTurn) {
      const neighbours = down ? parents : children;
      const score = new Map(column.map((id) => [id, barycentre(id, neighbours.get(id) ?? [])]));
      column.sort((a, b) => score.get(a)! - score.get(b)! || (row.get(a) ?? 0) - (row.get(b) ?? 0));
      number(column);
    }
  }
  return ordered.flat().map((id) => byId.get(id)!);
}
