// Labels of the overview pages. Chinese first; English mirrors every key (a test checks).
export const overview = {
  zh: {
    title: '',
  },
  en: {
    title: '',
  },
};
