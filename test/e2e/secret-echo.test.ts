import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {readFileSync, rmSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, tempHome, type CliResult} from '../helpers/cli.js'
import {homeQuery, storedText} from '../helpers/home-ledger.js'

/**
 * A hostile gateway: every answer is an error whose body quotes the request's credential header back, raw, URL-encoded
 * and JSON-quoted, in the error shape each adapter reads its message from. Whatever yms-pay stores or prints must hold
 * none of the secrets, in any encoding the header could carry them in.
 */
const SECRETS = {
  // Characters that every encoding changes: quote, backslash, slash, plus, ampersand, equals, percent, angle brackets.
  stripe: {api_key: 'sk_test_Ech0"quote\\back/sl+pl&amp=eq%pc<lt>', webhook_secret: 'whsec_Ech0-webhook-secret'},
  adyen: {api_key: 'AQE_adyen-Ech0"key\\with/odd+chars&=', hmac_key: '0011223344556677889900AABBCCDDEEFF'},
  paypal: {client_id: 'AZ-paypal-client-Ech0-id', client_secret: 'EP-paypal-Ech0"secret\\/+&='},
  square: {access_token: 'EAAA-square-Ech0"token\\/+&=<x>', signature_key: 'sq-signature-key-Ech0'},
  braintree: {private_key: 'bt-private-Ech0"key\\/+&=<y>'},
} as const
const BRAINTREE_PUBLIC_KEY = 'bt-public-key'

type Kind = keyof typeof SECRETS

function echoOf(req: IncomingMessage): string {
  const credential = String(req.headers.authorization ?? req.headers['x-api-key'] ?? '(none)')
  return `you sent ${credential}; as a query: ?auth=${encodeURIComponent(credential)}; as JSON: ${JSON.stringify(credential)}`
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function answer(kind: Kind, req: IncomingMessage, res: ServerResponse): void {
  const echo = echoOf(req)
  const json = (status: number, body: unknown) => {
    res.writeHead(status, {'content-type': 'application/json'})
    res.end(JSON.stringify(body))
  }
  switch (kind) {
    case 'stripe':
      return json(400, {error: {type: 'invalid_request_error', message: echo}})
    case 'adyen':
      return json(422, {status: 422, errorCode: '702', message: echo, errorType: 'validation'})
    case 'paypal':
      return json(400, {error: echo, error_description: echo})
    case 'square':
      return json(400, {errors: [{category: 'INVALID_REQUEST_ERROR', code: 'BAD_REQUEST', detail: echo}]})
    case 'braintree':
      res.writeHead(422, {'content-type': 'application/xml'})
      return void res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<api-error-response><message>${xml(echo)}</message><errors></errors></api-error-response>`,
      )
  }
}

/** Every form in which a secret could sit in a header echoed back: as is, and as a Basic credential would carry it. */
function encodings(): Array<[string, string]> {
  const forms: Array<[string, string]> = []
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  for (const [kind, fields] of Object.entries(SECRETS)) {
    for (const [field, value] of Object.entries(fields)) {
      const name = `${kind}.${field}`
      forms.push([`${name} raw`, value])
      forms.push([`${name} url-encoded`, encodeURIComponent(value)])
      forms.push([`${name} JSON-escaped`, JSON.stringify(value).slice(1, -1)])
      forms.push([`${name} base64`, b64(value)])
    }
  }
  forms.push(['paypal basic', b64(`${SECRETS.paypal.client_id}:${SECRETS.paypal.client_secret}`)])
  forms.push(['braintree basic', b64(`${BRAINTREE_PUBLIC_KEY}:${SECRETS.braintree.private_key}`)])
  return forms
}

function leaks(text: string): string[] {
  return encodings()
    .filter(([, form]) => text.includes(form))
    .map(([name]) => name)
}

describe('a gateway whose error body echoes the credentials (built binary)', () => {
  const home = tempHome('yms-echo-')
  let server: Server
  let base = ''
  const env: Record<string, string> = {}
  for (const [kind, fields] of Object.entries(SECRETS))
    for (const [field, value] of Object.entries(fields))
      env[`YMS_PAY_SECRET_ECHO_${kind.toUpperCase()}_${field.toUpperCase()}`] = value
  const outputs: Array<[string, CliResult]> = []
  const cli = async (args: string[]) => {
    const r = await runCli(args, {home, env})
    outputs.push([args.join(' '), r])
    return r
  }

  beforeAll(async () => {
    server = createServer((req, res) => answer(req.url!.split('/')[1] as Kind, req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const settings: Record<Kind, string[]> = {
      stripe: [],
      adyen: ['--setting', 'merchant_account=EchoEU'],
      paypal: [],
      square: [],
      braintree: ['--setting', 'merchant_id=echo', '--setting', `public_key=${BRAINTREE_PUBLIC_KEY}`],
    }
    for (const kind of Object.keys(SECRETS) as Kind[]) {
      const r = await cli([
        'providers',
        'add',
        `echo-${kind}`,
        '--kind',
        kind,
        '--base-url',
        `${base}/${kind}`,
        '--segment',
        '*',
        ...settings[kind],
      ])
      expect(r.code, r.stderr).toBe(0)
    }
  }, 60_000)
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
    rmSync(home, {recursive: true, force: true})
  })

  it('sync, providers test, status and the audit log say the gateway failed, and hold no secret in any encoding', async () => {
    const sync = await cli(['sync', '--json'])
    expect(sync.code).toBe(4)
    const runs = sync.json<{runs: Array<{provider: string; status: string; error?: string}>}>().runs
    expect(runs.map((r) => `${r.provider}:${r.status}`).sort()).toEqual(
      Object.keys(SECRETS)
        .map((k) => `echo-${k}:failed`)
        .sort(),
    )
    // The echo itself reached the message (so this test can fail): the scrubbed text keeps what is not secret.
    for (const run of runs) expect(run.error).toMatch(/you sent|answered|HTTP/)
    await cli(['sync'])
    for (const kind of Object.keys(SECRETS)) {
      await cli(['providers', 'test', `echo-${kind}`, '--json'])
      await cli(['providers', 'test', `echo-${kind}`])
    }
    await cli(['status', '--json'])
    await cli(['status'])
    await cli(['audit', 'export', '--format', 'jsonl'])
    await cli(['audit', 'export', '--format', 'csv'])
    await cli(['audit', 'list', '--limit', '1000', '--json'])

    const found: string[] = []
    for (const [what, r] of outputs) {
      for (const name of leaks(r.stdout)) found.push(`${what} stdout: ${name}`)
      for (const name of leaks(r.stderr)) found.push(`${what} stderr: ${name}`)
    }
    for (const [where, text] of await storedText(home)) for (const name of leaks(text)) found.push(`${where}: ${name}`)
    expect(found).toEqual([])
    expect(runs.every((r) => r.error?.includes('[REDACTED]'))).toBe(true)
  }, 120_000)
})

/**
 * The same gateway answering a sync successfully, but quoting the credential inside the payloads: in a valid charge
 * (kept as the transaction's raw payload and, its customer unknown, quarantined with it) and in a charge it cannot
 * translate (quarantined with a detail). The database must hold neither.
 */
describe('a gateway that echoes the credentials into list payloads (built binary)', () => {
  const home = tempHome('yms-echo-payload-')
  let server: Server
  const env = {
    YMS_PAY_SECRET_ECHO_API_KEY: SECRETS.stripe.api_key,
    YMS_PAY_SECRET_ECHO_WEBHOOK_SECRET: SECRETS.stripe.webhook_secret,
  }
  const fixture = (name: string) =>
    JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/stripe/${name}`, import.meta.url)), 'utf8')) as Record<
      string,
      unknown
    >

  beforeAll(async () => {
    server = createServer((req, res) => {
      const echo = echoOf(req)
      const list = (data: unknown[]) => {
        res.writeHead(200, {'content-type': 'application/json'})
        res.end(JSON.stringify({object: 'list', data, has_more: false, url: req.url}))
      }
      if (!req.url!.startsWith('/v1/charges')) return list([])
      const valid = {...fixture('charge-succeeded.json'), description: echo, metadata: {note: echo}}
      const invalid = {...fixture('charge-amount-string.json'), amount: echo, metadata: {note: echo}}
      list([valid, invalid])
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const r = await runCli(['providers', 'add', 'echo', '--kind', 'stripe', '--base-url', base, '--segment', '*'], {
      home,
      env,
    })
    expect(r.code, r.stderr).toBe(0)
  })
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
    rmSync(home, {recursive: true, force: true})
  })

  it('both charges are kept (quarantined), and no secret in any encoding reaches the database or the output', async () => {
    const sync = await runCli(['sync', '--json'], {home, env})
    expect(sync.code, sync.stderr).toBe(0)
    const quarantine = await runCli(['quarantine', 'list', '--json'], {home, env})
    expect(quarantine.stdout).toMatch(/ch_3PgafuB7WZ01zgkW0XYmPNZs/)
    expect(quarantine.stdout).toMatch(/ch_3PkDrfB7WZ01zgkW3drift000/)
    // The echo reached the stored payloads (so this test can fail), scrubbed.
    const raws = await homeQuery<{raw_json: string}>(home, 'SELECT raw_json FROM quarantine ORDER BY id')
    expect(raws).toHaveLength(2)
    for (const {raw_json: raw} of raws)
      expect(JSON.parse(raw)).toMatchObject({metadata: {note: expect.stringContaining('[REDACTED]')}})
    const found: string[] = []
    for (const [what, out] of [
      ['sync', sync.stdout + sync.stderr],
      ['quarantine list', quarantine.stdout + quarantine.stderr],
    ] as const)
      for (const name of leaks(out)) found.push(`${what}: ${name}`)
    for (const [where, text] of await storedText(home)) for (const name of leaks(text)) found.push(`${where}: ${name}`)
    expect(found).toEqual([])
  }, 60_000)
})
