/** One finding of `yms-pay doctor`: what was checked, how it stands, and what to do when it is not ok. */
export interface DoctorCheck {
  check: string
  status: 'ok' | 'warn' | 'fail'
  message: string
  hint?: string
}

export const ok = (check: string, message: string): DoctorCheck => ({check, status: 'ok', message})
export const warn = (check: string, message: string, hint: string): DoctorCheck => ({
  check,
  status: 'warn',
  message,
  hint,
})
export const fail = (check: string, message: string, hint?: string): DoctorCheck =>
  hint === undefined ? {check, status: 'fail', message} : {check, status: 'fail', message, hint}
