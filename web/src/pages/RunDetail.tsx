/** Placeholder: being built. */
export function RunDetail({ id }: { id: string }) {
  return <h1>{id}</h1>;
}
