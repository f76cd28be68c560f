import {createRequire} from 'node:module'

import {StripeSync} from '@supabase/stripe-sync-engine'
import pg from 'pg'
import Stripe from 'stripe'

import {envOrThrow, finish} from './result.js'

/**
 * The peer: Supabase's `@supabase/stripe-sync-engine`, what a TypeScript team would otherwise pick to mirror Stripe
 * into PostgreSQL, backfilling the objects yms-pay's sync pulls (charges, refunds, disputes; the emulator lists no
 * payment intents, and yms-pay does not read them) into a fresh database of the bench's PostgreSQL. Used as its
 * README shows: `runMigrations`, then `new StripeSync({...}).syncBackfill({object})` per object type, defaults
 * otherwise (a pg pool of 10, pages of 100, upserts of 5 rows at a time, each its own autocommit statement).
 * The clock covers the sync engine's construction to its pool's close; migrations run before it, as yms-pay's home
 * is prepared before its clock. Afterwards the rows are counted, and a count short of the emulator's fails the run.
 */
const base = new URL(envOrThrow('BENCH_BASE_URL'))
const key = envOrThrow('BENCH_API_KEY')
const databaseUrl = envOrThrow('BENCH_PG_URL')
const expected = {
  charges: Number(envOrThrow('BENCH_CHARGES')),
  refunds: Number(envOrThrow('BENCH_REFUNDS')),
  disputes: Number(envOrThrow('BENCH_DISPUTES')),
}

// The ESM build's runMigrations resolves its SQL with `__dirname`, undefined in ESM: it logs the ReferenceError and
// returns, migrating nothing. The CommonJS build of the same version has __dirname. It also reports a failed
// migration only through the logger, so failures are collected here and thrown.
const cjs = createRequire(import.meta.url)(
  '@supabase/stripe-sync-engine',
) as typeof import('@supabase/stripe-sync-engine')
const migrationErrors: unknown[] = []
const quiet = () => {}
const logger = {info: quiet, warn: quiet, debug: quiet, error: (e: unknown) => migrationErrors.push(e)}
await cjs.runMigrations({databaseUrl, schema: 'stripe', logger} as unknown as Parameters<typeof cjs.runMigrations>[0])
if (migrationErrors.length > 0) throw new Error(`stripe-sync-engine migrations failed: ${migrationErrors.map(String)}`)

const t0 = performance.now()
const sync = new StripeSync({
  stripeSecretKey: key,
  stripeWebhookSecret: 'whsec_unused_by_a_backfill',
  poolConfig: {connectionString: databaseUrl},
})
// The engine builds its Stripe client with no host option (always api.stripe.com). The client is a public field:
// swap it for one aimed at the emulator, otherwise configured as the engine configures its own (SDK defaults, the
// engine's appInfo), so the requests are the SDK's own.
sync.stripe = new Stripe(key, {
  host: base.hostname,
  port: Number(base.port),
  protocol: 'http',
  appInfo: {name: 'Stripe Postgres Sync'},
})
const synced: Record<string, number> = {}
let chargesMs = Number.NaN
for (const object of ['charge', 'refund', 'dispute'] as const) {
  const r = await sync.syncBackfill({object})
  synced[object] = (r.charges ?? r.refunds ?? r.disputes)?.synced ?? 0
  if (object === 'charge') chargesMs = performance.now() - t0
}
await sync.close()
const ms = performance.now() - t0

const client = new pg.Client({connectionString: databaseUrl})
await client.connect()
const rows: Record<string, number> = {}
for (const table of ['charges', 'refunds', 'disputes'] as const)
  rows[table] = Number((await client.query(`SELECT count(*) AS n FROM stripe.${table}`)).rows[0].n)
const settings = (
  await client.query(`SELECT name, setting FROM pg_settings WHERE name = ANY($1)`, [
    ['fsync', 'synchronous_commit', 'full_page_writes'],
  ])
).rows as {name: string; setting: string}[]
await client.end()
// The comparison with SQLite's synchronous=FULL holds only if the server really commits durably.
const lax = settings.filter((s) => s.setting !== 'on')
if (lax.length > 0) throw new Error(`PostgreSQL is not durable here: ${JSON.stringify(lax)}`)
const short = Object.entries(expected).filter(([t, n]) => rows[t] !== n)
if (short.length > 0)
  throw new Error(`the peer wrote ${JSON.stringify(rows)}, the emulator serves ${JSON.stringify(expected)}`)

const items = rows.charges! + rows.refunds! + rows.disputes!
finish({
  items,
  charges: rows.charges!,
  chargesMs,
  ms,
  pages: Object.values(synced).reduce((n, s) => n + Math.ceil(s / 100), 0),
  detail: {synced, rows, settings: Object.fromEntries(settings.map((s) => [s.name, s.setting]))},
})
