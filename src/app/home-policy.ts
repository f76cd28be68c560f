/**
 * What each command may do with the home, decided in one place so a cron job pointed at the wrong directory fails
 * loudly instead of finding (or making) an empty ledger there:
 * - create: setup commands that can succeed on an empty home make it when it does not exist;
 * - write: the ledger must exist and be writable (exit 78 naming the path otherwise);
 * - read: the ledger must exist; it is opened read-only, so these work on a read-only home;
 * - none: the command opens no home through the base command (demo makes its own, doctor inspects a broken one).
 * customers/invoices import write rather than create: their rows name sites, so on a new home every row would be
 * rejected; the error says to import the sites first.
 */
export type HomeAccess = 'create' | 'write' | 'read' | 'none'

export const HOME_POLICY: Readonly<Record<string, HomeAccess>> = {
  'sites:add': 'create',
  'sites:import': 'create',
  'providers:add': 'create',
  'alerts:add': 'create',
  'fx:set': 'create',
  'fx:import': 'create',

  'customers:import': 'write',
  'invoices:import': 'write',
  'providers:update': 'write',
  'providers:enable': 'write',
  'providers:disable': 'write',
  'providers:grant': 'write',
  'providers:revoke': 'write',
  'providers:rotate-secret': 'write',
  'providers:remove': 'write',
  'providers:test': 'write',
  'quarantine:replay': 'write',
  reconcile: 'write',
  'reconcile:resolve': 'write',
  'retry:codes:set': 'write',
  'retry:codes:unset': 'write',
  'retry:caps:set': 'write',
  sync: 'write',
  'alerts:enable': 'write',
  'alerts:flush': 'write',
  'alerts:remove': 'write',
  'alerts:rotate-secret': 'write',
  'alerts:test': 'write',
  'retry:run': 'write',
  'retry:cancel': 'write',
  'retry:methods:import': 'write',
  'webhooks:serve': 'write',
  'webhooks:replay': 'write',
  // --to writes only its own audit row into the source, the home, after reading one snapshot of it. --from makes
  // the home it fills (create): the command decides by its flags (commands/store/copy.ts).
  'store:copy': 'write',

  'alerts:list': 'read',
  'audit:export': 'read',
  'audit:list': 'read',
  'audit:verify': 'read',
  backup: 'read',
  'customers:list': 'read',
  'customers:show': 'read',
  'fx:convert': 'read',
  'fx:list': 'read',
  metrics: 'read',
  'providers:list': 'read',
  'providers:show': 'read',
  'quarantine:list': 'read',
  'retry:codes': 'read',
  'retry:caps': 'read',
  'sites:list': 'read',
  status: 'read',
  'transactions:list': 'read',
  'transactions:show': 'read',
  'sync:skipped': 'read',
  'reconcile:list': 'read',
  'reconcile:show': 'read',
  'customers:export': 'read',
  'retry:list': 'read',
  'retry:report': 'read',
  'webhooks:list': 'read',

  demo: 'none',
  doctor: 'none',
  'sandbox:serve': 'none',
  help: 'none',
}

/** Unlisted commands get the strictest access that still lets them work on a home that exists. */
export function homeAccess(commandId: string | undefined): HomeAccess {
  return (commandId !== undefined ? HOME_POLICY[commandId] : undefined) ?? 'write'
}

/** The commands that may create a home, as a hint names them. */
export function creatingCommands(): string[] {
  return Object.entries(HOME_POLICY)
    .filter(([, access]) => access === 'create')
    .map(([id]) => `yms-pay ${id.replace(':', ' ')}`)
}

/** What to say of a PostgreSQL database with no yms-pay ledger in it (opening it, or doctor looking). */
export function noPgLedger(label: string): {message: string; hint: string} {
  return {
    message: `the database ${label} holds no yms-pay ledger`,
    hint:
      `Check the URL for a typo. A new ledger is made there by ${creatingCommands().join(', ')}; ` +
      '`yms-pay store copy --to <url>` moves an existing home into it.',
  }
}
