// Labels of the overview pages. Chinese first; English mirrors every key (a test checks).
export const overview = {
  zh: {
    title: '镇街总览',
  },
  en: {
    title: 'Township overview',
  },
};
