/** One finding of `yms-pay doctor`: what was checked, how it stands, and what to do when it is not ok. */
export interface DoctorCheck {
  check: string
  /** `n/a`: a check of SQLite's file that a ledger in PostgreSQL has no use for (its server keeps its files). */
  status: 'ok' | 'warn' | 'fail' | 'n/a'
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
export const notApplicable = (check: string, message: string): DoctorCheck => ({check, status: 'n/a', message})
