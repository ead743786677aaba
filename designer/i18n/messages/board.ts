// Labels of the board pages. Chinese first; English mirrors every key (a test checks).
export const board = {
  zh: {
    title: '公开栏',
  },
  en: {
    title: 'Public board',
  },
};
