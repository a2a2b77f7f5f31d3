/** Placeholder: being built. */
export function AuditLog() {
  return <h1>AuditLog</h1>;
}
