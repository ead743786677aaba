// Labels of the diagram components. Chinese first; English mirrors every key (a test checks).
export const diagram = {
  zh: {
    title: '流程图',
  },
  en: {
    title: 'Flow diagram',
  },
};
