// The auditor's view of one instance (timeline, replay, verify, export).
export function AuditPage({ id }: { id: string }) {
  return <h1>{id}</h1>;
}
