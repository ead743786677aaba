// The township's role catalogue (roles.list), shared by every page through react-query's cache:
// the roles one may grant, their scope, and their labels (the i18n `role()` reads them, see
// RoleLabels). Refreshed when a role is added or relabelled (invalidate ['roles']).
import { useEffect } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../i18n/index.tsx';
import { api } from './trpc.ts';

export type CatalogueRole = Awaited<ReturnType<typeof api.roles.list.query>>[number];
export const ROLES_KEY = ['roles'];

export function useRoleCatalogue() {
  return useQuery({ queryKey: ROLES_KEY, queryFn: () => api.roles.list.query(), staleTime: 60_000 });
}

/** The catalogue's roles and whether one is township-wide (takes no village). */
export function useRoles(): { roles: CatalogueRole[]; isTownshipRole: (key: string) => boolean } {
  const roles = useRoleCatalogue().data ?? [];
  return { roles, isTownshipRole: (key) => roles.find((r) => r.key === key)?.scope === 'township' };
}

/** Hands the catalogue's labels to the i18n `role()`, for every page of a signed-in user. */
export function RoleLabels() {
  const { data } = useRoleCatalogue();
  const { setRoleLabels } = useI18n();
  useEffect(() => {
    if (data) setRoleLabels(data);
  }, [data, setRoleLabels]);
  return null;
}
