// The built-in roles: the starting content of a township's roles (issue 18 makes them data).
// Township-scope roles act in every village of the township. County officers (county_reviewer)
// and the competent offices (department_officer) sit above the township but are modelled as
// township-scope grants: they act on the matters of the township that granted them.
export const TOWNSHIP_ROLES = [
  'township_admin',
  'township_reviewer',
  'auditor',
  'township_caseworker',
  'county_reviewer',
  'supervisor',
  'grid_office',
  'department_officer',
] as const;
export const VILLAGE_ROLES = [
  'party_secretary',
  'committee_member',
  'party_member',
  'villager_representative',
  'supervisory_member',
  'clerk',
  'villager',
  // The service flows (低保, 代办, 网格): station agents, grid staff, applicants, handlers.
  'service_staff',
  'grid_worker',
  'grid_leader',
  'handler',
  'applicant',
] as const;
export type TownshipRole = (typeof TOWNSHIP_ROLES)[number];
export type VillageRole = (typeof VILLAGE_ROLES)[number];
export type Role = TownshipRole | VillageRole;
/** A role held by a person: township-wide (villageId null) or in one village. */
export interface RoleGrant {
  role: Role;
  villageId: string | null;
}
