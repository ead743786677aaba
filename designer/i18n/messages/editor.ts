// Labels of the visual designer. Chinese first; English mirrors every key (a test checks).
export const editor = {
  zh: {
    title: '流程设计器',
  },
  en: {
    title: 'Flow designer',
  },
};
