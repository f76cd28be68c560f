import {afterEach, describe, expect, it} from 'vitest'

import {forgetSecrets, REDACTED, rememberSecret, scrubSecrets, scrubSecretsIn} from '../../src/secrets/scrub.js'

const SECRET = 'sk_test_Qu"ote\\Back/sl+pl&amp=eq%pc<lt> é'
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url')

afterEach(forgetSecrets)

describe('scrubSecrets: every form a gateway could quote a remembered secret in', () => {
  it.each([
    ['raw', SECRET],
    ['JSON-escaped', JSON.stringify(SECRET).slice(1, -1)],
    ['JSON-escaped with \\/', JSON.stringify(SECRET).slice(1, -1).replace(/\//g, '\\/')],
    ['ASCII-only JSON', JSON.stringify(SECRET).slice(1, -1).replace('é', '\\u00e9')],
    ['URL-encoded', encodeURIComponent(SECRET)],
    ['form-encoded', new URLSearchParams({k: SECRET}).toString().slice(2)],
    ['XML-escaped', SECRET.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')],
    ['XML text node', SECRET.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')],
    ['base64 alone', b64(SECRET)],
    ['Basic id:secret, id 0 mod 3', b64(`abc:${SECRET}`)],
    ['Basic id:secret, id 1 mod 3', b64(`abcd:${SECRET}`)],
    ['Basic id:secret, id 2 mod 3', b64(`ab:${SECRET}`)],
    ['Basic secret:', b64(`${SECRET}:`)],
    ['base64url', b64url(`public:${SECRET}`)],
    ['Basic credential in a query string', encodeURIComponent(`Basic ${b64(`pk:${SECRET}`)}`)],
  ])('%s', (_name, form) => {
    rememberSecret(SECRET)
    const text = `gateway said: you sent ${form}; request id req_123`
    const out = scrubSecrets(text)
    expect(out).not.toContain(form)
    expect(out).toContain(REDACTED)
    // What is not secret stays, so the message still says what went wrong.
    expect(out).toMatch(/^gateway said: you sent /)
    expect(out).toMatch(/; request id req_123$/)
  })

  it('takes the whole base64 run: no edge character of a Basic credential is left behind', () => {
    rememberSecret(SECRET)
    for (const id of ['', 'a', 'ab', 'abc']) {
      const basic = b64(`${id}:${SECRET}`)
      expect(scrubSecrets(`Authorization: Basic ${basic}.`)).toBe(`Authorization: Basic ${REDACTED}.`)
    }
  })

  it('leaves text without a remembered secret unchanged, and does not remember short values', () => {
    expect(scrubSecrets(`no secret known yet: ${SECRET}`)).toBe(`no secret known yet: ${SECRET}`)
    rememberSecret('k')
    rememberSecret('short7!')
    expect(scrubSecrets('a key, a kettle, short7!')).toBe('a key, a kettle, short7!')
    rememberSecret(SECRET)
    expect(scrubSecrets('HTTP 400 on GET /v1/events')).toBe('HTTP 400 on GET /v1/events')
  })

  it('a secret that contains another is replaced whole', () => {
    rememberSecret('inner-secret-1234')
    rememberSecret('outer-inner-secret-1234-tail')
    expect(scrubSecrets('x outer-inner-secret-1234-tail y inner-secret-1234 z')).toBe(`x ${REDACTED} y ${REDACTED} z`)
  })

  it('scrubSecretsIn walks objects and arrays (keys too) and returns the same value when nothing changed', () => {
    const clean = {a: ['b', {c: 1}], d: null}
    rememberSecret(SECRET)
    expect(scrubSecretsIn(clean)).toBe(clean)
    const dirty = {error: {message: `bad ${SECRET}`}, list: [b64(`u:${SECRET}`)], [SECRET]: true, n: 3}
    const out = scrubSecretsIn(dirty)
    expect(JSON.stringify(out)).not.toContain(SECRET.slice(0, 10))
    expect(out).toEqual({error: {message: `bad ${REDACTED}`}, list: [REDACTED], [REDACTED]: true, n: 3})
  })
})
