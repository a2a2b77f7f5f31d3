/** Placeholder: being built. */
export function ScheduleForm({ id }: { id: string | null }) {
  return <h1>{id ?? 'New schedule'}</h1>;
}
