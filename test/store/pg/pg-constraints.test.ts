import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {testPostgres} from '../../helpers/postgres.js'
import {bothStores, type BothStores} from './both-stores.js'

const postgres = await testPostgres()

const T = '2024-05-01T00:00:00.000Z'
const HASH = 'a'.repeat(64)

let n = 0
/** One statement and its parameters. */
type Insert = [string, unknown[]]
const id = () => `k${++n}`

// Each case inserts one row that either goes in or is refused; keys are unique per case so cases do not collide.
const site = (currency: string, country: string | null = null): Insert => [
  `INSERT INTO sites (id, name, currency, country, created_at, updated_at) VALUES (?, 'n', ?, ?, '${T}', '${T}')`,
  [id(), currency, country],
]
const rate = (value: string, date = '2024-05-01', base = 'EUR'): Insert => [
  `INSERT INTO fx_rates (base, quote, date, rate, source, updated_at) VALUES (?, 'USD', ?, ?, 's', '${T}')`,
  [base, `${date}`, value],
]
const provider = (key: string, settings = '{}'): Insert => [
  `INSERT INTO providers (id, kind, settings_json, created_at, updated_at) VALUES (?, 'stripe', ?, '${T}', '${T}')`,
  [key, settings],
]
const posting = (txnSeq: number | null, txnId: string, account: string, amount = 1): Insert => [
  `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, posted_at)
   VALUES (?, ?, ?, ?, ?, 'EUR', '${T}')`,
  [txnSeq, txnId, ++n, account, amount],
]
const audit = (details: string, seq = ++n): Insert => [
  `INSERT INTO audit_log (seq, at, actor, action, outcome, details_json, prev_hash, hash)
   VALUES (?, '${T}', 'a', 'x', 'ok', ?, '${HASH}', ?)`,
  [seq, details, `${seq}`.padStart(64, '0')],
]
const quarantined = (normalized: string | null, externalId: string | null = id()): Insert => [
  `INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, source, created_at, updated_at, normalized_json)
   VALUES ('p1', ?, 'awaiting_parent', 'd', '{}', 'pull', '${T}', '${T}', ?)`,
  [externalId, normalized],
]
const transaction = (txnId: string, external: string, fee: [number | null, string | null] = [null, null]): Insert => [
  `INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency, fee_minor,
     fee_currency, occurred_at, updated_at, version, raw_json, first_seen_at, last_seen_at)
   VALUES (?, 'p1', 'stripe', ?, 'payment', 'succeeded', 100, 'EUR', ?, ?, '${T}', '${T}', 1, '{}', '${T}', '${T}')`,
  [txnId, external, ...fee],
]
const target = (key: string, events = 'payment.failed'): Insert => [
  `INSERT INTO alert_targets (id, url, format, events, created_at, updated_at)
   VALUES (?, 'https://example.test', 'standard', ?, '${T}', '${T}')`,
  [key, events],
]
const webhook = (events: string): Insert => [
  `INSERT INTO webhook_events (provider, dedup_key, received_at, committed_at, commit_ms, last_delivery_at, status,
     summary, events_json, body, applied_json) VALUES ('p1', ?, '${T}', '${T}', 1, '${T}', 'applied', 's', ?, ?, '[]')`,
  [id(), events, Buffer.from([0, 1, 255])],
]

const CASES: Array<[string, Insert, string]> = [
  ['a currency of three capitals', site('EUR'), 'ok'],
  ['a lower-case currency', site('eur'), 'check'],
  ['a two-letter currency', site('EU'), 'check'],
  ['a four-letter currency', site('EURO'), 'check'],
  ['a currency with a trailing newline', site('EUR\n'), 'check'],
  ['a currency with a digit', site('E1R'), 'check'],
  ['a two-letter country', site('EUR', 'DE'), 'ok'],
  ['a three-letter country', site('EUR', 'DEU'), 'check'],
  ['a whole rate', rate('2'), 'ok'],
  ['a decimal rate', rate('1.0850', '2024-05-02'), 'ok'],
  ['a rate under one', rate('0.0001', '2024-05-03'), 'ok'],
  ['a zero rate', rate('0.000', '2024-05-04'), 'check'],
  ['a rate with a leading point', rate('.5', '2024-05-05'), 'check'],
  ['a rate with a trailing point', rate('5.', '2024-05-06'), 'check'],
  ['a rate with two points', rate('1.2.3', '2024-05-07'), 'check'],
  ['a negative rate', rate('-1', '2024-05-08'), 'check'],
  ['a rate in exponent notation', rate('1e5', '2024-05-09'), 'check'],
  ['an empty rate', rate('', '2024-05-10'), 'check'],
  ['a rate date without zero padding', rate('2', '2024-5-1'), 'check'],
  ['a rate date with a trailing newline', rate('2', '2024-05-11\n'), 'check'],
  ['a rate of a currency against itself', rate('1', '2024-05-12', 'USD'), 'check'],
  ['a provider id of letters, digits, _ . -', provider('acme-stripe_1.x'), 'ok'],
  ['a provider id with a space', provider('a b'), 'check'],
  ['a provider id with a slash', provider('a/b'), 'check'],
  ['a provider id with a non-ASCII letter', provider('caf\u00e9'), 'check'],
  ['the provider id "invoice"', provider('invoice'), 'check'],
  ['an empty provider id', provider(''), 'check'],
  ['a 65-character provider id', provider('x'.repeat(65)), 'check'],
  ['provider settings that are an object', provider('p2', '{"a": [1, {"b": null}]}'), 'ok'],
  ['provider settings that are an array', provider('p3', '[]'), 'check'],
  ['provider settings that are a number', provider('p4', '1'), 'check'],
  ['provider settings that are not JSON', provider('p5', 'nope'), 'check'],
  ['provider settings with a trailing comma', provider('p6', '{"a": 1,}'), 'check'],
  ['a posting to account kind:name', posting(1, 'p1:ch_1', 'customer:c1'), 'ok'],
  ['a posting to an account without a kind', posting(1, 'p1:ch_1', ':c1'), 'check'],
  ['a posting to an account without a name', posting(1, 'p1:ch_1', 'customer:'), 'check'],
  ['a posting to an account without a colon', posting(1, 'p1:ch_1', 'customer'), 'check'],
  ["an invoice's posting", posting(null, 'invoice:i1', 'revenue:berlin'), 'ok'],
  ['a posting with neither transaction nor invoice', posting(null, 'p1:ch_1', 'revenue:berlin'), 'check'],
  ['a posting to an invoice without an id', posting(null, 'invoice:', 'revenue:berlin'), 'check'],
  ['a posting of zero', posting(1, 'p1:ch_1', 'customer:c1', 0), 'check'],
  ['an audit row with JSON details', audit('{"a": 1}'), 'ok'],
  ['an audit row with JSON scalar details', audit('"x"'), 'ok'],
  ['an audit row with details that are not JSON', audit('{a: 1}'), 'check'],
  ['an audit row numbered 0', audit('{}', 0), 'check'],
  ['quarantine without a normalized item', quarantined(null), 'ok'],
  ['quarantine with a normalized item', quarantined('{"parentExternalId": "ch_1"}'), 'ok'],
  ['quarantine with a normalized item that is not JSON', quarantined('{'), 'check'],
  ['a second open quarantine row for one object', quarantined(null, 'k1'), 'ok'],
  ['a third open quarantine row for one object', quarantined(null, 'k1'), 'unique'],
  ['a transaction whose id is provider:external id', transaction('p1:ch_1', 'ch_1'), 'ok'],
  ['a transaction whose id is something else', transaction('p1:ch_2', 'ch_3'), 'check'],
  ['a transaction with a fee and its currency', transaction('p1:ch_4', 'ch_4', [5, 'EUR']), 'ok'],
  ['a transaction with a fee without its currency', transaction('p1:ch_5', 'ch_5', [5, null]), 'check'],
  ['a second transaction with one id', transaction('p1:ch_1', 'ch_1'), 'unique'],
  ['an alert target', target('ops.1'), 'ok'],
  ['an alert target with a colon in its id', target('ops:1'), 'check'],
  ['an alert target for no events', target('ops2', ''), 'check'],
  ['a webhook with a binary body', webhook('[{"id": "evt_1"}]'), 'ok'],
  ['a webhook whose events are not JSON', webhook('[{'), 'check'],
  [
    'a second store identity',
    ["INSERT INTO store_identity (id, store_id, created_at) VALUES (2, 'abcdefgh', 't')", []],
    'check',
  ],
  ['a posting twice, by transaction key', posting(7, 'p1:ch_7', 'customer:c1'), 'ok'],
  [
    'a posting twice, by transaction key (again)',
    [
      `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, posted_at)
       SELECT txn_seq, txn_id, version, account, 2, currency, posted_at FROM ledger_postings WHERE txn_seq = 7`,
      [],
    ],
    'unique',
  ],
  [
    'a customer in a site that does not exist',
    [`INSERT INTO customers (id, site, created_at, updated_at) VALUES ('c9', 'nowhere', '${T}', '${T}')`, []],
    'foreign key',
  ],
  [
    'a site without a name',
    [`INSERT INTO sites (id, currency, created_at, updated_at) VALUES ('s', 'EUR', 't', 't')`, []],
    'not null',
  ],
]

describe.skipIf(postgres.skip !== undefined)('constraints: the same rows go in, the same are refused', () => {
  let both: BothStores
  beforeEach(async () => {
    both = await bothStores(postgres)
  })
  afterEach(() => both.cleanup())

  it('for every CHECK that had to be rewritten (GLOB, json_valid, json_type), and for keys and references', async () => {
    const seen: Array<[string, {sqlite: string; postgres: string}]> = []
    for (const [what, [sql, params]] of CASES) seen.push([what, await both.run(sql, params)])
    const expected = CASES.map(([what, , outcome]) => [what, {sqlite: outcome, postgres: outcome}])
    expect(seen).toEqual(expected)
  })

  it('bytes, big integers and text read back the same', async () => {
    const big = '9007199254740993' // 2^53 + 1: a JS number would round it
    await both.run(
      `INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES ('berlin', 'B\u00fcrlin', 'EUR', '${T}', '${T}')`,
    )
    await both.run(
      `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, posted_at)
       VALUES (1, 'p1:ch_1', 1, 'customer:c1', ${big}, 'EUR', '${T}')`,
    )
    const [sql, params] = webhook('[]')
    expect(await both.run(sql, params)).toEqual({sqlite: 'ok', postgres: 'ok'})
    const read = await both.rows(
      `SELECT (SELECT name FROM sites) AS name, (SELECT amount_minor FROM ledger_postings) AS amount,
              (SELECT body FROM webhook_events) AS body`,
    )
    expect(read.postgres).toEqual(read.sqlite)
    expect(read.sqlite).toEqual([{name: 'B\u00fcrlin', amount: BigInt(big), body: Buffer.from([0, 1, 255])}])
  })
})
