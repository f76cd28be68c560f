import {hash} from 'node:crypto'

import type {ReconcileClass} from './classes.js'

/**
 * An exception's id comes from its cause: the site, the class and what it is about (its invoices, else its
 * payment or object). The same cause keeps its id from run to run, whatever else changes.
 */
export function exceptionId(site: string, cls: ReconcileClass, subject: string): string {
  return `rx_${hash('sha256', `${site}\n${cls}\n${subject}`, 'hex').slice(0, 16)}`
}

/** The fingerprint of what an exception says: a resolution holds while it is unchanged. */
export function factsDigest(detailJson: string): string {
  return hash('sha256', detailJson, 'hex')
}
