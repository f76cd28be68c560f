import {copyFileSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {NormalizedTxn} from '../../src/core/transaction.js'
import {retryReaction} from '../../src/services/retry/reaction.js'
import {oncePerApply} from '../../src/services/sync/once-per-apply.js'
import {openDatabase} from '../../src/store/db.js'
import {ownerByRef} from '../../src/store/repos/customers.js'
import {benchScope, commitAllPages, fetchedPages} from './sync/fetched-pages.js'
import {median} from './stats.js'
import {BENCH_PROVIDER} from './sync/yms-home.js'

/**
 * What the retry queue's reaction costs the sync's write path. In one run, on copies of one prepared home, the
 * same Stripe backfill pages are committed with `commitPage` (the reaction included, as shipped), and then the
 * reaction alone is called again on every transaction those pages wrote (the same look-ups it made during the
 * commit), so its share of the apply cost is measured against the apply it is part of. Twice: with the clock after
 * the world (its failures are history: none is queued) and at the world's end (its last days' soft declines are
 * queued: an insert and an audit row each).
 *   npx tsx test/bench/retry-reaction.ts [--size 10000] [--reps 5]
 */
const argv = process.argv.slice(2)
const opt = (name: string, fallback: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback)
const size = Number(opt('--size', '10000'))
const reps = Number(opt('--reps', '5'))
const BENCH_END = '2026-04-01T00:00:00.000Z'

const scratch = mkdtempSync(join(tmpdir(), 'yms-bench-retry-'))
try {
  const {template, pages} = await fetchedPages(scratch, size)
  const txns: NormalizedTxn[] = pages.flatMap((p) => p.page.items.map((i) => i.txn))

  for (const [label, clock] of [
    ['clock after the world (nothing queued)', () => Date.now()],
    ['clock at the world’s end (recent failures queued)', () => Date.parse(BENCH_END)],
  ] as const) {
    const apply: number[] = []
    const reaction: number[] = []
    let queued = 0
    for (let rep = 0; rep < reps; rep++) {
      const file = join(scratch, `run-${rep}.db`)
      copyFileSync(template, file)
      const db = openDatabase(file, {clock})
      apply.push(commitAllPages(db, pages))
      queued = db.raw.prepare('SELECT COUNT(*) FROM retries').pluck().get() as number
      const owners = txns.map((t) => (t.customerRef ? ownerByRef(db, t.customerRef, BENCH_PROVIDER, 'stripe') : null))
      const now = db.now()
      const scope = benchScope(db)
      const t1 = performance.now()
      for (let start = 0; start < txns.length; start += 100)
        db.write(() => {
          // One page's worth of events share their once-per-page reads, as applyItems shares them.
          const once = oncePerApply()
          const batch = txns.slice(start, start + 100)
          for (let i = start; i < Math.min(start + 100, txns.length); i++)
            retryReaction(db, scope, {kind: 'written', txn: txns[i]!, owner: owners[i]!, now, once, batch})
        })
      reaction.push(performance.now() - t1)
      db.close()
      rmSync(file, {force: true})
    }
    const a = median(apply)
    const r = median(reaction)
    console.log(
      `${label}: ${txns.length} items, ${queued} queued; commit median ${a.toFixed(0)} ms (${((a * 1000) / txns.length).toFixed(1)} µs/item), reaction alone median ${r.toFixed(0)} ms (${((r * 1000) / txns.length).toFixed(1)} µs/item) = ${((100 * r) / a).toFixed(1)}% of the commit; reps ${apply.map((t) => t.toFixed(0)).join(' ')} / ${reaction.map((t) => t.toFixed(0)).join(' ')}`,
    )
  }
} finally {
  rmSync(scratch, {recursive: true, force: true})
}
