import {Agent, request} from 'undici'

/**
 * The comparison scripts' fetch loop: GET /v1/charges with the same page size, expansion and auth as yms-pay's
 * backfill, `starting_after` paging, JSON.parse. Yields each page's charges.
 */
export async function* chargePages<T extends {id: string}>(base: string, key: string): AsyncGenerator<T[]> {
  const agent = new Agent({keepAliveTimeout: 30_000})
  let after: string | null = null
  try {
    for (;;) {
      const q = new URLSearchParams({limit: '100'})
      q.append('expand[]', 'data.balance_transaction')
      if (after) q.set('starting_after', after)
      const res = await request(`${base}/v1/charges?${q}`, {
        headers: {authorization: `Bearer ${key}`},
        dispatcher: agent,
      })
      const text = await res.body.text()
      if (res.statusCode !== 200) throw new Error(`GET /v1/charges: ${res.statusCode} ${text.slice(0, 200)}`)
      const page = JSON.parse(text) as {data: T[]; has_more: boolean}
      yield page.data
      const last = page.data[page.data.length - 1]
      if (!page.has_more || !last) return
      after = last.id
    }
  } finally {
    await agent.close()
  }
}
