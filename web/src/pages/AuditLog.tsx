/**
 * The audit log (`#/audit-log`, admin tokens only; others get the API's 403): every change
 * with its actor, action and entity, and the fields that differ between the row before and
 * after. Filters live in the address (`actor`, `action`, `entity`, `entity_id`, `since`,
 * `until`: the API's names), so a filtered view can be shared; "Load more" follows
 * `next_cursor`. The API matches actor, action and entity id exactly.
 */
import { useEffect, useRef, useState } from 'react';
import type { AuditEntryWire } from '../../../src/api/wire.js';
import { queryString } from '../api/client.js';
import { useDebounced, usePages } from '../hooks.js';
import { Link, navigate, useRoute } from '../router.js';
import { EmptyState, ErrorState, Loading } from '../components/States.js';
import { Pager } from '../components/Pager.js';
import { Time } from '../components/Time.js';
import { shortId } from '../format.js';
import { AuditChanges, listChangedFields } from './audit-changes.js';
import './ops.css';

const FILTER_KEYS = ['actor', 'action', 'entity', 'entity_id', 'since', 'until'] as const;
type Filters = Record<(typeof FILTER_KEYS)[number], string>;
const ENTITIES = ['scheduled_job', 'job_run', 'api_token'];
const PAGE_SIZE = 50;

/** `datetime-local` value (viewer's zone, minutes) for an ISO instant, and back. */
function toLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
function fromLocalInput(value: string): string {
  const date = new Date(value);
  return value && !Number.isNaN(date.getTime()) ? date.toISOString() : '';
}

export function AuditLog() {
  const { query } = useRoute();
  const filters = Object.fromEntries(FILTER_KEYS.map((key) => [key, query.get(key) ?? ''])) as Filters;
  const setFilter = (key: keyof Filters, value: string) => navigate('/audit-log', { ...filters, [key]: value || undefined }, true);
  const path = `/audit-log${queryString({ ...filters, limit: PAGE_SIZE })}`;
  const list = usePages<AuditEntryWire>(path);
  const items = list.items;

  const filtered = FILTER_KEYS.some((key) => filters[key]);
  const actors = [...new Set(items.map((entry) => entry.actor))].sort();
  const actions = [...new Set(items.map((entry) => entry.action))].sort();

  return (
    <section>
      <div className="page-header">
        <h1>Audit log</h1>
      </div>
      <form className="filters" role="search" aria-label="Filter the audit log" onSubmit={(event) => event.preventDefault()}>
        <TextFilter id="audit-actor" label="Actor" placeholder="e.g. token:ops" value={filters.actor} options={actors} onChange={(value) => setFilter('actor', value)} />
        <TextFilter id="audit-action" label="Action" placeholder="e.g. schedule.pause" value={filters.action} options={actions} onChange={(value) => setFilter('action', value)} />
        <div>
          <label htmlFor="audit-entity">Entity</label>
          <select id="audit-entity" value={filters.entity} onChange={(event) => setFilter('entity', event.target.value)}>
            <option value="">All</option>
            {ENTITIES.map((entity) => (
              <option key={entity} value={entity}>
                {entity}
              </option>
            ))}
          </select>
        </div>
        <TextFilter id="audit-entity-id" label="Entity id" value={filters.entity_id} onChange={(value) => setFilter('entity_id', value)} />
        <div>
          <label htmlFor="audit-since">From</label>
          <input id="audit-since" type="datetime-local" value={toLocalInput(filters.since)} onChange={(event) => setFilter('since', fromLocalInput(event.target.value))} />
        </div>
        <div>
          <label htmlFor="audit-until">To</label>
          <input id="audit-until" type="datetime-local" value={toLocalInput(filters.until)} onChange={(event) => setFilter('until', fromLocalInput(event.target.value))} />
        </div>
        {filtered ? (
          <div className="ops-filter-action">
            <button type="button" onClick={() => navigate('/audit-log', {}, true)}>
              Clear filters
            </button>
          </div>
        ) : null}
      </form>
      {list.error && items.length === 0 ? (
        <ErrorState error={list.error} onRetry={list.error.status === 403 ? undefined : list.reload} />
      ) : list.loading ? (
        <Loading height="20rem" />
      ) : items.length === 0 ? (
        <EmptyState title={filtered ? 'No entries match these filters' : 'No changes recorded yet'}>
          {filtered ? 'Actor, action and entity id must match exactly.' : 'Every change made through the API, the CLI or the library appears here.'}
        </EmptyState>
      ) : (
        <>
          <AuditTable entries={items} />
          <Pager summary={`${items.length} ${items.length === 1 ? 'entry' : 'entries'}${list.hasMore ? ' shown' : ''}`} hasMore={list.hasMore} loadingMore={list.loadingMore} onLoadMore={list.loadMore} />
          {list.error ? <p className="field-error">{list.error.message}</p> : null}
        </>
      )}
    </section>
  );
}

/** A text filter that writes to the address once typing pauses. */
function TextFilter({ id, label, value, placeholder, options, onChange }: { id: string; label: string; value: string; placeholder?: string; options?: string[]; onChange: (value: string) => void }) {
  const [draft, setDraft] = useState(value);
  const debounced = useDebounced(draft, 400);
  const committed = useRef(value);
  const save = useRef(onChange);
  save.current = onChange;
  useEffect(() => {
    const next = debounced.trim();
    if (next === committed.current) return;
    committed.current = next;
    save.current(next);
  }, [debounced]);
  useEffect(() => {
    if (value === committed.current) return;
    committed.current = value;
    setDraft(value);
  }, [value]);
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={draft} placeholder={placeholder} list={options ? `${id}-options` : undefined} autoComplete="off" onChange={(event) => setDraft(event.target.value)} />
      {options ? (
        <datalist id={`${id}-options`}>
          {options.map((option) => (
            <option key={option} value={option} />
          ))}
        </datalist>
      ) : null}
    </div>
  );
}

function EntityCell({ entry }: { entry: AuditEntryWire }) {
  const id = entry.entity_id;
  const short = id && id.length > 12 ? `…${shortId(id)}` : id;
  const target = !id ? null : entry.entity === 'scheduled_job' ? `/schedules/${id}` : entry.entity === 'job_run' ? `/runs/${id}` : null;
  return (
    <>
      <span className="muted">{entry.entity}</span>{' '}
      {id && target ? (
        <Link to={target} className="mono" title={id}>
          {short}
        </Link>
      ) : id ? (
        <span className="mono" title={id}>
          {short}
        </span>
      ) : null}
    </>
  );
}

function AuditTable({ entries }: { entries: readonly AuditEntryWire[] }) {
  return (
    <div className="table-wrap">
      <table className="audit-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Entity</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const fields = listChangedFields(entry.before, entry.after);
            return (
              <tr key={entry.id}>
                <td className="nowrap">
                  <Time at={entry.at} />
                </td>
                <td className="nowrap">{entry.actor}</td>
                <td className="nowrap">
                  <code>{entry.action}</code>
                </td>
                <td className="nowrap">
                  <EntityCell entry={entry} />
                </td>
                <td className="audit-changes-cell">
                  <details>
                    <summary>Changes</summary>
                    <AuditChanges before={entry.before} after={entry.after} />
                  </details>
                  {fields.length ? <div className="muted audit-fields">{fields.join(', ')}</div> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
