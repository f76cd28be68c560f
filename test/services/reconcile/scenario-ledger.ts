import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AppContext} from '../../../src/app/context.js'
import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {paymentStateAt, type Scenario} from '../../../src/sandbox/model.js'
import {applyItems} from '../../../src/services/sync/apply.js'
import type {ApplyScope} from '../../../src/services/sync/scope.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {testContext, importWorld} from '../../helpers/sync-world.js'

/**
 * A scenario's world written straight into a ledger, without emulators: the YMS side through the import services,
 * every payment, refund and dispute visible at `at` through the sync's apply, as one connection per provider
 * (payments alternate between `acme` and `other` by customer). Faster than a sync, for many random worlds.
 */
export interface ScenarioLedger {
  db: Db
  ctx: AppContext
  /** `<provider>:<payment key>` -> invoice, for succeeded payments with an invoice. */
  truth: Map<string, string>
  close(): void
}

export async function scenarioLedger(
  scenario: Scenario,
  at: string,
  change: (txn: NormalizedTxn) => NormalizedTxn = (t) => t,
): Promise<ScenarioLedger> {
  const home = mkdtempSync(join(tmpdir(), 'yms-scenario-'))
  const ctx = testContext(home, {}, () => Date.parse(at))
  const db = openDatabase(ctx.home.dbFile, {clock: () => Date.parse(at)})
  await importWorld(db, ctx, scenario, () => true)
  const customers = new Map(
    scenario.customers.map((c, i) => [c.id, {ref: c.refs.stripe, provider: i % 2 ? 'other' : 'acme'}]),
  )
  const truth = new Map<string, string>()
  const items = new Map<string, NormalizedTxn[]>([
    ['acme', []],
    ['other', []],
  ])
  for (const p of scenario.payments) {
    const state = paymentStateAt(p, at)
    if (!state.visible) continue
    const {ref, provider} = customers.get(p.customer)!
    const txn = (
      fields: Partial<NormalizedTxn> & Pick<NormalizedTxn, 'externalId' | 'type' | 'status' | 'amount' | 'occurredAt'>,
    ): NormalizedTxn =>
      change({
        id: `${provider}:${fields.externalId}`,
        provider,
        kind: 'stripe',
        parentExternalId: null,
        fee: null,
        net: null,
        customerRef: null,
        invoiceRef: null,
        siteRef: null,
        failure: null,
        updatedAt: fields.occurredAt,
        metadata: {},
        ...fields,
      })
    items.get(provider)!.push(
      txn({
        externalId: p.key,
        type: 'payment',
        status: state.status,
        amount: p.amount,
        customerRef: ref,
        invoiceRef: p.invoice,
        occurredAt: p.createdAt,
        failure: state.status === 'failed' ? {code: 'declined', message: 'declined', decision: 'terminal'} : null,
      }),
    )
    if (state.status === 'succeeded' && p.invoice) truth.set(`${provider}:${p.key}`, p.invoice)
    for (const r of state.refunds)
      items.get(provider)!.push(
        txn({
          externalId: r.key,
          parentExternalId: p.key,
          type: 'refund',
          status: 'succeeded',
          amount: r.amount,
          occurredAt: r.at,
        }),
      )
    if (state.dispute) {
      const d = state.dispute.dispute
      const status = state.dispute.state === 'open' ? 'disputed' : state.dispute.state
      items.get(provider)!.push(
        txn({
          externalId: d.key,
          parentExternalId: p.key,
          type: 'dispute',
          status,
          amount: d.amount,
          occurredAt: d.openedAt,
        }),
      )
    }
  }
  for (const [provider, txns] of items) {
    const scope: ApplyScope = {
      provider,
      kind: 'stripe',
      actor: 'test',
      source: 'pull',
      grants: [{segment: '*', site: '*', access: 'write'}],
      latencySince: null,
      customers: new Map(),
    }
    db.write(() =>
      applyItems(
        db,
        scope,
        txns.map((txn) => ({txn, rawJson: '{}'})),
        [],
      ),
    )
  }
  return {
    db,
    ctx,
    truth,
    close: () => {
      db.close()
      rmSync(home, {recursive: true, force: true})
    },
  }
}
