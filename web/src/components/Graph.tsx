/**
 * A dependency graph drawn as layers: a node sits one column right of the deepest node it
 * depends on, so every edge points right. Used for job types (dependsOn) and for a batch's runs
 * (depends_on). Small graphs only (a registry, one batch); no layout library needed.
 */
export interface GraphNode {
  id: string;
  label: string;
  /** Second line, e.g. a status. */
  detail?: string;
  /** CSS class for the box, e.g. `node-completed`. */
  tone?: string;
  href?: string;
  dependsOn: string[];
}

const NODE_W = 168;
const NODE_H = 44;
const GAP_X = 56;
const GAP_Y = 16;

export function layoutGraph(nodes: readonly GraphNode[]): Map<string, { x: number; y: number }> {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle cannot be registered; draw it flat rather than hang
    visiting.add(id);
    const parents = (byId.get(id)?.dependsOn ?? []).filter((parent) => byId.has(parent));
    const value = parents.length ? Math.max(...parents.map(depthOf)) + 1 : 0;
    visiting.delete(id);
    depth.set(id, value);
    return value;
  };
  const columns = new Map<number, string[]>();
  for (const node of nodes) {
    const column = depthOf(node.id);
    columns.set(column, [...(columns.get(column) ?? []), node.id]);
  }
  const positions = new Map<string, { x: number; y: number }>();
  for (const [column, ids] of columns) {
    ids.forEach((id, row) => positions.set(id, { x: column * (NODE_W + GAP_X), y: row * (NODE_H + GAP_Y) }));
  }
  return positions;
}

export function Graph({ nodes, label }: { nodes: readonly GraphNode[]; label: string }) {
  const positions = layoutGraph(nodes);
  const width = Math.max(...[...positions.values()].map((p) => p.x + NODE_W), NODE_W) + 2;
  const height = Math.max(...[...positions.values()].map((p) => p.y + NODE_H), NODE_H) + 2;
  return (
    // Focusable, so keyboard users can scroll a graph wider than the screen.
    <div className="graph" role="figure" aria-label={label} tabIndex={0}>
      <svg width={width} height={height} viewBox={`-1 -1 ${width} ${height}`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" className="graph-arrow" />
          </marker>
        </defs>
        {nodes.flatMap((node) =>
          node.dependsOn
            .filter((parent) => positions.has(parent))
            .map((parent) => {
              const from = positions.get(parent)!;
              const to = positions.get(node.id)!;
              const x1 = from.x + NODE_W;
              const y1 = from.y + NODE_H / 2;
              const x2 = to.x;
              const y2 = to.y + NODE_H / 2;
              const mid = (x1 + x2) / 2;
              return <path key={`${parent}->${node.id}`} className="graph-edge" d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`} markerEnd="url(#arrow)" />;
            }),
        )}
        {nodes.map((node) => {
          const { x, y } = positions.get(node.id)!;
          const box = (
            <g className={`graph-node ${node.tone ?? ''}`} transform={`translate(${x} ${y})`}>
              <title>{node.detail ? `${node.label} (${node.detail})` : node.label}</title>
              <rect width={NODE_W} height={NODE_H} rx="6" />
              <text x="10" y={node.detail ? 18 : 27} className="graph-label">
                {node.label.length > 19 ? `${node.label.slice(0, 18)}…` : node.label}
              </text>
              {node.detail ? (
                <text x="10" y="35" className="graph-detail">
                  {node.detail}
                </text>
              ) : null}
            </g>
          );
          return node.href ? (
            <a key={node.id} href={node.href}>
              {box}
            </a>
          ) : (
            <g key={node.id}>{box}</g>
          );
        })}
      </svg>
    </div>
  );
}
