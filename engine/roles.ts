// Roles. A township's roles are data, its role catalogue (server/org/roles.ts): the built-in roles
// below are its starting content, and the admin adds roles of its own (or a flow's publisher adds
// the flow's). Township-scope roles act in every village of the township; village-scope roles are
// granted in one village. County officers (county_reviewer) and the competent offices
// (department_officer) sit above the township but are modelled as township-scope grants: they act
// on the matters of the township that granted them.
//
// The only roles code names are the platform's (PLATFORM_ROLES), which the server itself checks:
// the admin, township oversight and the auditor. Every other role comes from the catalogue.

/** Text in Chinese and English, as a catalogue's labels are kept. */
export interface RoleLabel {
  zh: string;
  en: string;
}
export type RoleScope = 'township' | 'village';

/** A role of a township's catalogue. */
export interface RoleDefinition {
  key: string;
  label: RoleLabel;
  scope: RoleScope;
  /** Everyone a matter may be about holds it (a villager, an applicant): its holders read their own matters only. */
  ownMatters: boolean;
}

/** The roles the server checks by name: administration, oversight of every village, audit. */
export const PLATFORM_ROLES = ['township_admin', 'township_reviewer', 'auditor'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

/** A role's key: lower-case words joined by `_`, as flows/flow.schema.json's snakeId. */
export const ROLE_KEY = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
export const ROLE_KEY_MAX = 64;
export const ROLE_LABEL_MAX = 40;

const role = (key: string, scope: RoleScope, zh: string, en: string, ownMatters = false): RoleDefinition => ({ key, scope, label: { zh, en }, ownMatters });

/** The built-in roles: every township's catalogue starts with them. */
export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  role('township_admin', 'township', '乡镇管理员', 'Township admin'),
  role('township_reviewer', 'township', '乡镇审核人', 'Township reviewer'),
  role('auditor', 'township', '审计员', 'Auditor'),
  role('township_caseworker', 'township', '乡镇社会救助经办人', 'Township caseworker'),
  role('county_reviewer', 'township', '县级审核人', 'County reviewer'),
  role('supervisor', 'township', '便民服务中心督办人', 'Service-centre supervisor'),
  role('grid_office', 'township', '乡镇网格化服务管理中心', 'Township grid office'),
  role('department_officer', 'township', '承办单位经办人', 'Department officer'),
  role('party_secretary', 'village', '村党组织书记', 'Party secretary'),
  role('committee_member', 'village', '村两委成员', 'Two-committee member'),
  role('party_member', 'village', '党员', 'Party member'),
  role('villager_representative', 'village', '村民代表', 'Villager representative'),
  role('supervisory_member', 'village', '村务监督委员会成员', 'Supervisory committee member'),
  role('clerk', 'village', '会议记录员', 'Clerk'),
  role('villager', 'village', '村民', 'Villager', true),
  // The service flows (低保, 代办, 网格): station agents, grid staff, applicants, handlers.
  role('service_staff', 'village', '便民服务站代办员', 'Service-station agent'),
  role('grid_worker', 'village', '网格员', 'Grid worker'),
  role('grid_leader', 'village', '网格长', 'Grid leader'),
  role('handler', 'village', '处置责任人', 'Responsible handler'),
  role('applicant', 'village', '申请人', 'Applicant', true),
];

/**
 * The words a township's people sheet writes for a village body in its 身份/组织 column, by the
 * role that acts for it (the first is the template's). Starting content as the built-in roles are:
 * a body counts only where the township's catalogue has its role.
 */
export const BODY_WORDS: Readonly<Record<string, readonly string[]>> = {
  party_member: ['党员', '中共党员', 'party member'],
  villager_representative: ['村民代表', '村民代表会议', 'villager representative'],
  committee_member: ['两委', '村两委', '村两委成员', '村委会', '村委委员', '村民委员会', 'committee member'],
  supervisory_member: ['监委会', '村务监督委员会', '村务监督委员会成员', 'supervisory committee'],
  villager: ['村民', 'villager'],
};

/** A role's key; which keys a township has is its catalogue's. */
export type Role = string;
/** A role held by a person: township-wide (villageId null) or in one village. */
export interface RoleGrant {
  role: Role;
  villageId: string | null;
}
