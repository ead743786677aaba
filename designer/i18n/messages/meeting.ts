// Labels of the meeting components. Chinese first; English mirrors every key (a test checks).
export const meeting = {
  zh: {
    title: '会议表决',
  },
  en: {
    title: 'Meeting',
  },
};
