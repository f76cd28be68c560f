import {appendFileSync, readdirSync, readFileSync} from 'node:fs'
import http from 'node:http'

/**
 * CPU per request of each thread of the process it is preloaded into, from its first request to SIGTERM: what
 * moves less with the machine's load than events/s. Linux only (/proc). For test/bench/webhooks.ts:
 *
 *   BENCH_YMS_NODE_ARGS="--import ./test/bench/webhooks/thread-cpu.mjs" THREAD_CPU_OUT=/tmp/cpu.log npx tsx test/bench/webhooks.ts
 *
 * appends one line per server run: requests, the total µs of CPU per request, and each thread's (`main` for the
 * event loop; the webhook writer is the busiest other thread, the rest are V8's and libuv's helpers).
 */
const ticksPerSecond = 100 // USER_HZ: /proc's unit on Linux

function threadTicks() {
  const out = new Map()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.set(tid, Number(fields[11]) + Number(fields[12])) // utime + stime
    } catch {
      // the thread ended meanwhile
    }
  }
  return out
}

let first = null
let requests = 0
const emit = http.Server.prototype.emit
http.Server.prototype.emit = function (event, ...args) {
  if (event === 'request') {
    first ??= threadTicks()
    requests++
  }
  return emit.call(this, event, ...args)
}

process.on('SIGTERM', () => {
  if (requests === 0) return
  const usPerRequest = (ticks) => Math.round((ticks * 1e6) / ticksPerSecond / requests)
  let total = 0
  const threads = []
  for (const [tid, ticks] of threadTicks()) {
    const used = ticks - (first.get(tid) ?? 0)
    total += used
    if (used > 0) threads.push([tid === String(process.pid) ? 'main' : tid, usPerRequest(used)])
  }
  threads.sort((a, b) => b[1] - a[1])
  const line = `${new Date().toISOString()} requests=${requests} total=${usPerRequest(total)}us ${threads.map(([t, us]) => `${t}=${us}us`).join(' ')}\n`
  appendFileSync(process.env.THREAD_CPU_OUT ?? 'thread-cpu.log', line)
})
