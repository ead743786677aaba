// The township's role catalogue (designer/org/RolesPanel.tsx) and the roles a flow adds when it is published (designer/editor).
export const roles = {
  zh: {
    title: '角色目录',
    intro: '本乡镇可授予的角色：内置角色和本乡镇添加的角色。角色一经添加不能删除（授权和记录都引用它），名称可以修改。',
    scope: '范围',
    scopes: { township: '全乡镇', village: '村（社区）' },
    ownMatters: '只看本人事项',
    ownMattersChoice: '持有者只能看到与本人有关的事项（如村民、申请人）',
    custom: '本乡镇添加',
    editLabels: '修改名称',
    labelZh: '中文名称',
    labelEn: '英文名称',
    key: '角色代码',
    keyHint: '小写字母和数字，词之间用“_”连接，如 water_keeper；流程中用它指代这个角色。',
    add: '添加角色',
    added: '已添加角色“{name}”。',
    problems: {
      keyFormat: '角色代码只能用小写字母和数字，词之间用“_”连接，以字母开头。',
      label: '名称须为 1 到 40 个字。',
    },
    /** The audit log's words for changes of the role catalogue (designer/audit/AuditLogPage.tsx). */
    actions: { role_create: '添加角色', role_label: '修改角色名称' } as Record<string, string>,
    publish: {
      missing: '这个流程用到的下列角色还不在本乡镇的角色目录中。发布时一并添加，或取消后修改流程。',
      addAndPublish: '添加这些角色并发布',
    },
  },
  en: {
    title: 'Role catalogue',
    intro: 'The roles this township grants: the built-in ones and those it added. A role is never removed once added (grants and records name it); its labels may change.',
    scope: 'Scope',
    scopes: { township: 'Whole township', village: 'One village' },
    ownMatters: 'Own matters only',
    ownMattersChoice: 'Holders see only the matters about themselves (as villagers and applicants do)',
    custom: 'Added by the township',
    editLabels: 'Edit labels',
    labelZh: 'Chinese label',
    labelEn: 'English label',
    key: 'Role code',
    keyHint: 'Lower-case letters and digits, words joined by "_", such as water_keeper; flows name the role by it.',
    add: 'Add role',
    added: 'Role “{name}” added.',
    problems: {
      keyFormat: 'A role code is lower-case letters and digits, words joined by "_", starting with a letter.',
      label: 'A label is 1 to 40 characters.',
    },
    actions: { role_create: 'Added a role', role_label: 'Relabelled a role' } as Record<string, string>,
    publish: {
      missing: 'This flow names these roles the township’s role catalogue lacks. Add them as it is published, or cancel and change the flow.',
      addAndPublish: 'Add these roles and publish',
    },
  },
};
