import {Readable} from 'node:stream'

import {describe, expect, it} from 'vitest'

import {ExitCode, UsageError} from '../../src/core/errors.js'
import {parseSecretLines, readSecretsFromStdin} from '../../src/secrets/stdin.js'

const FIELDS = ['api_key', 'webhook_secret'] as const

function usageError(text: string): UsageError {
  try {
    parseSecretLines(text, FIELDS)
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).exitCode).toBe(ExitCode.usage)
    return error as UsageError
  }
  throw new Error('expected a UsageError')
}

describe('parseSecretLines', () => {
  it('reads field=value lines, keeping "=" inside values, skipping blanks and comments', () => {
    const text = '# stripe test keys\n\napi_key=sk_test_abc\r\n  # indented comment\nwebhook_secret = whsec_a=b==\n'
    expect(parseSecretLines(text, FIELDS)).toEqual({api_key: 'sk_test_abc', webhook_secret: 'whsec_a=b=='})
  })

  it('accepts a subset of the allowed fields and a leading BOM', () => {
    expect(parseSecretLines('\uFEFFwebhook_secret=w1', FIELDS)).toEqual({webhook_secret: 'w1'})
  })

  it('rejects an unknown field by line number, listing the allowed fields, without echoing the line', () => {
    const error = usageError('api_key=sk_1\n\nc2VjcmV0LXZhbHVl=hunter2\n')
    expect(error.message).toContain('line 3')
    expect(error.message).toContain('api_key, webhook_secret')
    expect(error.message).not.toContain('c2VjcmV0LXZhbHVl')
    expect(error.message).not.toContain('hunter2')
  })

  it('rejects a line without "=" (perhaps a bare pasted key) without echoing it', () => {
    const error = usageError('# c\nsk_test_bare_key_123\n')
    expect(error.message).toContain('line 2')
    expect(error.message).not.toContain('sk_test_bare_key_123')
  })

  it('rejects an empty field name, an empty value and a repeated field by line', () => {
    expect(usageError('=abc').message).toContain('line 1')
    expect(usageError('api_key=x\nwebhook_secret=').message).toMatch(/line 2: empty value for webhook_secret/)
    const dup = usageError('api_key=first-secret\n#\napi_key=second-secret')
    expect(dup.message).toMatch(/line 3: api_key given again \(first on line 1\)/)
    expect(dup.message).not.toContain('first-secret')
    expect(dup.message).not.toContain('second-secret')
  })

  it('rejects input with no secrets at all', () => {
    expect(usageError('\n# nothing here\n').message).toContain('api_key, webhook_secret')
  })
})

describe('readSecretsFromStdin', () => {
  it('reads a stream split across chunks', async () => {
    const stream = Readable.from([
      Buffer.from('api_key=sk_'),
      Buffer.from('123\nwebhook_'),
      Buffer.from('secret=wh=1\n'),
    ])
    await expect(readSecretsFromStdin(stream, FIELDS)).resolves.toEqual({api_key: 'sk_123', webhook_secret: 'wh=1'})
  })

  it('refuses an oversized stream', async () => {
    const stream = Readable.from([Buffer.alloc(70 * 1024, 'a')])
    await expect(readSecretsFromStdin(stream, FIELDS)).rejects.toBeInstanceOf(UsageError)
  })
})
