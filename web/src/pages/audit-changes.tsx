/**
 * What an audit entry changed: the top-level fields whose values differ between `before` and
 * `after` (compared as JSON), or the whole snapshot for a create (no `before`) or a delete (no
 * `after`). Nested objects are shown whole, as JSON, rather than diffed further.
 */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export type ChangeSet =
  | { kind: 'update'; fields: FieldChange[] }
  | { kind: 'create' | 'delete'; fields: Array<{ field: string; value: unknown }> }
  | { kind: 'raw'; before: unknown; after: unknown };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function computeChangeSet(before: unknown, after: unknown): ChangeSet {
  if ((before === null || before === undefined) && isRecord(after)) return { kind: 'create', fields: Object.entries(after).map(([field, value]) => ({ field, value })) };
  if ((after === null || after === undefined) && isRecord(before)) return { kind: 'delete', fields: Object.entries(before).map(([field, value]) => ({ field, value })) };
  if (!isRecord(before) || !isRecord(after)) return { kind: 'raw', before, after };
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return { kind: 'update', fields: keys.filter((key) => !same(before[key], after[key])).map((field) => ({ field, before: before[field], after: after[field] })) };
}

/** The changed field names, for the collapsed row. */
export function listChangedFields(before: unknown, after: unknown): string[] {
  const changes = computeChangeSet(before, after);
  if (changes.kind === 'update') return changes.fields.map((change) => change.field);
  if (changes.kind === 'raw') return [];
  return [changes.kind === 'create' ? 'created' : 'deleted'];
}

function Value({ value }: { value: unknown }) {
  if (value === undefined) return <span className="muted">(absent)</span>;
  if (value === null) return <span className="muted">null</span>;
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, isRecord(value) || Array.isArray(value) ? 1 : undefined);
  return <code className="audit-value">{text}</code>;
}

export function AuditChanges({ before, after }: { before: unknown; after: unknown }) {
  const changes = computeChangeSet(before, after);
  if (changes.kind === 'raw') {
    return (
      <dl className="fields audit-raw">
        <dt>Before</dt>
        <dd>
          <Value value={before} />
        </dd>
        <dt>After</dt>
        <dd>
          <Value value={after} />
        </dd>
      </dl>
    );
  }
  if (changes.kind === 'update') {
    if (changes.fields.length === 0) return <p className="muted audit-none">No field changed.</p>;
    return (
      <table className="audit-diff">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {changes.fields.map((change) => (
            <tr key={change.field}>
              <th scope="row" className="mono">
                {change.field}
              </th>
              <td>
                <Value value={change.before} />
              </td>
              <td>
                <Value value={change.after} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <table className="audit-diff">
      <caption className="muted">{changes.kind === 'create' ? 'Created with' : 'Deleted; it was'}</caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">{changes.kind === 'create' ? 'After' : 'Before'}</th>
        </tr>
      </thead>
      <tbody>
        {changes.fields.map((change) => (
          <tr key={change.field}>
            <th scope="row" className="mono">
              {change.field}
            </th>
            <td>
              <Value value={change.value} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
