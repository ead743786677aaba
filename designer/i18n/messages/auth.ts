// Signing in and choosing a password. Chinese first; English mirrors every key (a test checks).
export const auth = {
  zh: {
    tooManyAttemptsWait: '登录失败次数过多，请 {seconds} 秒后再试',
    changePassword: {
      title: '设置新密码',
      required: '您的密码由管理员设置，请先设置自己的新密码，再开始办理事项。',
      current: '当前密码',
      next: '新密码',
      confirm: '再次输入新密码',
      rule: '至少 8 个字符，包含字母、数字、其他符号中的至少两类，不含用户名，且不能与当前密码相同。',
      mismatch: '两次输入的新密码不一致',
      wrongCurrent: '当前密码不正确',
      weak: '新密码不符合要求：',
      submit: '保存新密码',
    },
  },
  en: {
    tooManyAttemptsWait: 'Too many failed sign-ins; try again in {seconds} seconds',
    changePassword: {
      title: 'Choose a new password',
      required: 'An administrator set your password: choose your own before you start work.',
      current: 'Current password',
      next: 'New password',
      confirm: 'New password again',
      rule: 'At least 8 characters, with at least two of letters, digits and other characters, not containing your user name, and not your current password.',
      mismatch: 'The two new passwords differ',
      wrongCurrent: 'The current password is wrong',
      weak: 'The new password does not meet the rule:',
      submit: 'Save the new password',
    },
  },
};
