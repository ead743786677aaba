// Labels of the audit pages. Chinese first; English mirrors every key (a test checks).
export const audit = {
  zh: {
    title: '',
  },
  en: {
    title: '',
  },
};
