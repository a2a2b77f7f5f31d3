/**
 * Job types (`#/job-types`): the registry of the process that answers `GET /job-types`, as a
 * drawn dependency graph and a table, both limited by the "Group" select (kept in the address
 * as `?group=`). Built-in types (http, command) are listed but muted.
 */
import type { JobTypeWire, JobTypesWire } from '../../../src/api/wire.js';
import { formatDuration } from '../format.js';
import { useResource } from '../hooks.js';
import { navigate, useRoute } from '../router.js';
import { Graph, type GraphNode } from '../components/Graph.js';
import { EmptyState, ErrorState, Loading } from '../components/States.js';
import './ops.css';

const ALL = '';

function toGraphNode(type: JobTypeWire, outside = false): GraphNode {
  const tones = [type.group ? 'node-group' : '', type.builtin ? 'node-builtin' : '', outside ? 'node-outside' : ''].filter(Boolean);
  return {
    id: type.name,
    label: type.name,
    detail: type.group ?? (type.steps ? 'pipeline' : type.builtin ? 'built-in' : undefined),
    tone: tones.join(' ') || undefined,
    dependsOn: outside ? [] : type.depends_on,
  };
}

/** The shown types, plus (muted) the types outside the group they depend on, so no edge is lost. */
function graphNodesOf(shown: readonly JobTypeWire[], all: readonly JobTypeWire[]): GraphNode[] {
  const names = new Set(shown.map((type) => type.name));
  const outside = all.filter((type) => !names.has(type.name) && shown.some((inner) => inner.depends_on.includes(type.name)));
  return [...outside.map((type) => toGraphNode(type, true)), ...shown.map((type) => toGraphNode(type))];
}

export function JobTypes() {
  const registry = useResource<JobTypesWire>('/job-types');
  const group = useRoute().query.get('group') ?? ALL;
  const setGroup = (value: string) => navigate('/job-types', { group: value || undefined }, true);

  const items = registry.data?.items ?? [];
  const shown = group === ALL ? items : items.filter((type) => type.group === group);
  const groups = registry.data?.groups ?? (group ? [group] : []);

  return (
    <section>
      <div className="page-header">
        <h1>Job types</h1>
        <div className="ops-inline-field">
          <label htmlFor="job-type-group">Group</label>
          <select id="job-type-group" value={group} onChange={(event) => setGroup(event.target.value)}>
            <option value={ALL}>All groups</option>
            {groups.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="hint ops-lead">
        The handlers registered in the process that answered. A job type runs after the types it depends on when a schedule fires a group or all jobs;
        dashed boxes belong to a group, faded ones are built in or outside the chosen group.
      </p>
      {registry.error && !registry.data ? (
        <ErrorState error={registry.error} onRetry={registry.reload} />
      ) : !registry.data ? (
        <Loading height="24rem" />
      ) : shown.length === 0 ? (
        <EmptyState title={group ? `No job types in the group ${group}` : 'No job types registered'}>
          {group ? 'Choose another group.' : 'Add job types to the jobs list of hourglass.config.ts.'}
        </EmptyState>
      ) : (
        <>
          <div className="card ops-graph-card">
            <Graph nodes={graphNodesOf(shown, items)} label="Dependency graph of the job types" />
          </div>
          <h2>{group ? `Job types in ${group}` : 'All job types'}</h2>
          <JobTypeTable types={shown} />
        </>
      )}
    </section>
  );
}

function JobTypeTable({ types }: { types: readonly JobTypeWire[] }) {
  return (
    <div className="table-wrap">
      <table className="ops-jobtypes">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Group</th>
            <th scope="col">Depends on</th>
            <th scope="col">Steps</th>
            <th scope="col" className="num">Max attempts</th>
            <th scope="col">Timeout</th>
            <th scope="col" className="num">Concurrency</th>
            <th scope="col" className="num">Priority</th>
            <th scope="col">Payload schema</th>
          </tr>
        </thead>
        <tbody>
          {types.map((type) => (
            <tr key={type.name} className={type.builtin ? 'ops-muted-row' : undefined}>
              <th scope="row" className="ops-row-head">
                <span className="mono">{type.name}</span>
                {type.builtin ? <span className="badge badge-builtin">built-in</span> : null}
                {type.description ? <p className="ops-description">{type.description}</p> : null}
              </th>
              <td>{type.group ?? <span className="muted">—</span>}</td>
              <td className="mono ops-names">{type.depends_on.length ? type.depends_on.map((name) => <div key={name}>{name}</div>) : <span className="muted">—</span>}</td>
              <td className="mono">{type.steps ? type.steps.join(' → ') : <span className="muted">—</span>}</td>
              <td className="num">{type.max_attempts}</td>
              <td className="nowrap">{type.timeout_seconds === null ? <span className="muted">none</span> : formatDuration(type.timeout_seconds * 1000)}</td>
              <td className="num">{type.concurrency ?? <span className="muted">no limit</span>}</td>
              <td className="num">{type.priority}</td>
              <td>{type.has_payload_schema ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
