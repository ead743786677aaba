// Labels of the board pages. Chinese first; English mirrors every key (a test checks).
export const board = {
  zh: {
    title: '',
  },
  en: {
    title: '',
  },
};
