// The township staff's overview of their villages.
import type { Me } from '../app/session.ts';
export function OverviewPage({ me }: { me: Me }) {
  return <h1>{me.township?.name}</h1>;
}
