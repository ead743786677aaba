// Who may see and do what where: a user's roles in a village are the grants for that village plus
// the township-wide grants of the village's township. Auditors read and never act.
import type { PlatformRole, Role, User, Village } from '../store/types.ts';

export function rolesIn(user: User, village: Village): Role[] {
  if (user.townshipId !== village.townshipId) return [];
  return [...new Set(user.roles.filter((g) => g.villageId === village.id || g.villageId === null).map((g) => g.role))];
}

/** Roles a user may act with in a village: everything but auditor, which only reads. */
export function actingRoles(user: User, village: Village): string[] {
  return rolesIn(user, village).filter((r) => r !== 'auditor');
}

export function hasTownshipRole(user: User, ...roles: PlatformRole[]): boolean {
  return user.roles.some((g) => g.villageId === null && roles.includes(g.role as PlatformRole));
}

/** Whether the user has any role in the village: sees the village; which of its matters they read is server/access/readRule.ts. */
export function canRead(user: User, village: Village): boolean {
  return rolesIn(user, village).length > 0;
}

/** The villages a user has a role in: all of the township for township-wide roles, else their own. */
export function readableVillageIds(user: User, villages: Village[]): string[] {
  return villages.filter((v) => canRead(user, v)).map((v) => v.id);
}
