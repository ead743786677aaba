// Who is signed in (auth.me), shared by every page through react-query's cache.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocation } from 'wouter';
import { api } from './trpc.ts';

export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: () => api.auth.me.query() });
}
export type Me = NonNullable<Awaited<ReturnType<typeof api.auth.me.query>>>;

/** Signs out and goes to the sign-in page. */
export function useSignOut() {
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  return async () => {
    await api.auth.logout.mutate();
    qc.clear();
    navigate('/login');
  };
}

export function hasTownshipRole(me: Me | null | undefined, ...roles: string[]): boolean {
  return !!me?.user.roles.some((g) => g.villageId === null && roles.includes(g.role));
}
