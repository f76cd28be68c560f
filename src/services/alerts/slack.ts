/**
 * The `slack` format: an incoming-webhook message in words for the people on call (docs/alerts.md#slack). Slack
 * reads `text` as mrkdwn, in which &, < and > must be escaped.
 */
interface Payload {
  type: string
  timestamp: string
  data: Record<string, unknown>
}

type Words = (d: Record<string, unknown>) => string

const WORDS: Record<string, Words> = {
  failed_transaction: (d) =>
    `:x: *Failed ${txnType(d)}* at ${str(d.provider)}: ${txnLine(d)}${customerPart(d)} — ${failure(d)}`,
  access_denied: (d) =>
    `:no_entry: *Access denied*: ${str(d.provider)} may not write segment "${str(d.segment)}" at site ${str(d.site)}; ${txnLine(d)}${customerPart(d)} waits in quarantine (\`yms-pay providers grant\`, then \`yms-pay quarantine replay\`)`,
  balance_changed: (d) =>
    `:moneybag: *Balance changed*: customer ${str(d.customer)} (site ${str(d.site)}) now owes ${balances(d)} after ${txnLine(d)}`,
  sync_failed: (d) => `:warning: *Sync failed* for ${str(d.provider)}: ${str(d.error)} (${str(d.code)})`,
  gateway_down: (d) =>
    `:red_circle: *Gateway down*: ${str(d.provider)} has given no answer since ${str(d.downSince)}${d.error ? ` (${str(d.error)})` : ''}`,
  gateway_recovered: (d) =>
    `:large_green_circle: *Gateway recovered*: ${str(d.provider)} answers again since ${str(d.answeringSince)}, after ${minutes(d.outageMs)} down`,
}

export function slackMessage(payloadJson: string): string {
  const p = JSON.parse(payloadJson) as Payload
  const words = WORDS[p.type] ?? generic(p.type)
  return JSON.stringify({text: escape(words(p.data))})
}

/** Events whose data this file does not know (raised by other features): the type and the plain fields. */
function generic(type: string): Words {
  return (d) => {
    const fields = Object.entries(d)
      .filter(([, v]) => v === null || typeof v !== 'object')
      .map(([k, v]) => `${k}: ${String(v)}`)
    return `:bell: *${type.replace(/_/g, ' ')}*${fields.length > 0 ? ` — ${fields.join(', ')}` : ''}`
  }
}

function str(value: unknown): string {
  return value === null || value === undefined ? '?' : String(value)
}

function txn(d: Record<string, unknown>): Record<string, unknown> {
  return (d.transaction ?? {}) as Record<string, unknown>
}

function txnType(d: Record<string, unknown>): string {
  return str(txn(d).type)
}

function money(m: unknown): string {
  // `amount` is already a decimal in major units ("12.50"): the alert payload formats it.
  const v = (m ?? {}) as {amount?: string; currency?: string}
  return [str(v.amount), str(v.currency)].join(' ')
}

function txnLine(d: Record<string, unknown>): string {
  const t = txn(d)
  return `${str(t.type)} ${str(t.id)} of ${money(t.amount)}`
}

function customerPart(d: Record<string, unknown>): string {
  return d.customer ? ` for customer ${str(d.customer)}` : ''
}

function failure(d: Record<string, unknown>): string {
  const f = d.failure as {code?: string; message?: string} | null | undefined
  return f ? `${str(f.code)}: ${str(f.message)}` : 'no reason given'
}

function balances(d: Record<string, unknown>): string {
  const list = (d.balances ?? []) as Array<{currency?: string}>
  if (list.length === 0) return 'nothing'
  const each = list.map(money).join(', ')
  const inBase = d.inBase as {currency?: string} | null
  if (inBase === null) return `${each} (no rate to the site's currency)`
  if (list.length === 1 && list[0]!.currency === inBase.currency) return each
  return `${each} (${money(inBase)} in the site's currency)`
}

function minutes(ms: unknown): string {
  const n = typeof ms === 'number' ? Math.max(1, Math.round(ms / 60_000)) : null
  return n === null ? 'a while' : `${n} min`
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
