/** Placeholder: being built. */
export function JobTypes() {
  return <h1>JobTypes</h1>;
}
