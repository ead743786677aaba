// Labels of the form designer and the simulator. Chinese first; English mirrors every key.
export const formDesigner = {
  zh: {
    title: '表单设计',
  },
  en: {
    title: 'Form designer',
  },
};
