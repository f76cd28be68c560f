import {formatMoney} from '../core/money.js'
import type {Money} from '../core/transaction.js'
import type {TransactionDetail} from '../services/transactions.js'
import type {Renderer} from './render.js'

const money = (m: Money | null): string => (m ? formatMoney(m) : '-')

/**
 * `transactions show` for a person: the normalized transaction as fields with amounts in major units (the stored
 * JSON spells them as minor units, which --json keeps), then its states, postings and audit trail. Nothing is cut:
 * this is where the whole text of a row a list truncated can be read.
 */
export function renderTransaction(d: TransactionDetail, ui: Renderer): string {
  const t = d.transaction
  const parts = [
    ui.fields([
      ['id', t.id],
      ['provider', `${t.provider} (${t.kind})`],
      ['external id', t.externalId],
      ['parent', t.parentExternalId ?? '-'],
      ['type', t.type],
      ['status', t.status],
      ['amount', money(t.amount)],
      ['fee', money(t.fee)],
      ['net', money(t.net)],
      ['customer ref', t.customerRef ?? '-'],
      ['invoice ref', t.invoiceRef ?? '-'],
      ['site ref', t.siteRef ?? '-'],
      ['failure', t.failure ? `${t.failure.code} (${t.failure.decision}): ${t.failure.message}` : '-'],
      ['occurred', t.occurredAt],
      ['updated', t.updatedAt],
      ...Object.entries(t.metadata).map(([k, v]): [string, string] => [`metadata.${k}`, v]),
    ]),
  ]
  if (d.states.length > 0)
    parts.push(
      ui.table(
        [
          {name: 'version'},
          {name: 'status'},
          {name: 'amount', keep: true},
          {name: 'gateway updated', keep: true},
          {name: 'source'},
          {name: 'recorded', drop: 1},
        ],
        d.states.map((s) => [s.version, s.status, money(s.amount), s.gatewayUpdatedAt, s.source, s.recordedAt]),
      ),
    )
  if (d.postings.length > 0)
    parts.push(
      ui.table(
        [{name: 'version'}, {name: 'account', keep: true}, {name: 'amount', keep: true}, {name: 'posted', drop: 1}],
        d.postings.map((p) => [p.version, p.account, money(p.amount), p.postedAt]),
      ),
    )
  if (d.audit.length > 0)
    parts.push(
      ui.table(
        ['seq', 'at', 'actor', 'action', 'outcome'],
        d.audit.map((a) => [a.seq, a.at, a.actor, a.action, a.outcome]),
      ),
    )
  parts.push(`raw: ${JSON.stringify(d.raw)}`)
  return parts.join('\n')
}
