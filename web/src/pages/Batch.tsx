/** Placeholder: being built. */
export function Batch({ id }: { id: string }) {
  return <h1>{id}</h1>;
}
