// Labels of the audit pages. Chinese first; English mirrors every key (a test checks).
export const audit = {
  zh: {
    title: '审计回放',
  },
  en: {
    title: 'Audit',
  },
};
