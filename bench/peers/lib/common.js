'use strict'
// Shared by the Node drivers (bullmq.js, pgboss.js): clocks, load shapes, the
// parent/worker-process protocol and the result record every driver prints.
//
// Timestamps are wall-clock milliseconds with sub-millisecond resolution, so a
// time taken in the producer process and one taken in a worker process can be
// subtracted (same machine, same clock).

const { performance } = require('node:perf_hooks')
const { fork } = require('node:child_process')

const PAYLOAD = Object.freeze({ seconds: 1 })

function now () {
  return performance.timeOrigin + performance.now()
}

function sleep (ms) {
  return new Promise(resolve => setTimeout(resolve, ms))
}

// Closed loop: `inflight` concurrent callers each await fn(i) until n calls have
// been made. Returns the elapsed milliseconds and the start time.
async function closedLoop (n, inflight, fn) {
  let next = 0
  const t0 = now()
  const caller = async () => {
    while (next < n) {
      const i = next++
      await fn(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(inflight, n) }, caller))
  return { t0, ms: now() - t0 }
}

// Open loop at a fixed rate: call i is issued at t0 + i / rate whether or not
// earlier calls have finished (no coordinated omission). fn(i) receives the
// time it was actually issued. Resolves when every call has settled.
async function openLoop (rate, count, fn) {
  const period = 1000 / rate
  const t0 = now()
  const pending = []
  for (let i = 0; i < count; i++) {
    const wait = t0 + i * period - now()
    if (wait > 1) await sleep(wait)
    pending.push(fn(i, now()))
  }
  await Promise.all(pending)
  return { t0, ms: now() - t0 }
}

function percentile (sorted, p) {
  if (sorted.length === 0) return null
  const rank = Math.ceil((p / 100) * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]
}

function round (x, digits) {
  if (x === null || x === undefined || !Number.isFinite(x)) return null
  const f = 10 ** digits
  return Math.round(x * f) / f
}

// Latency (ms) of each job from the producer's issue time to the worker's
// start time; both maps are keyed by job id.
function latencies (issuedById, startById) {
  const out = []
  for (const [id, issued] of issuedById) {
    const started = startById.get(id)
    if (started !== undefined) out.push(started - issued)
  }
  return out.sort((a, b) => a - b)
}

function summarize (sorted) {
  return {
    count: sorted.length,
    p50_ms: round(percentile(sorted, 50), 2),
    p99_ms: round(percentile(sorted, 99), 2),
    max_ms: round(sorted[sorted.length - 1], 2)
  }
}

function parseArgs (argv) {
  const args = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`)
    const key = a.slice(2)
    const val = argv[i + 1]
    if (val === undefined || val.startsWith('--')) {
      args[key] = true
    } else {
      args[key] = val
      i++
    }
  }
  return args
}

function log (...parts) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 23)}] ${parts.join(' ')}\n`)
}

// ---- worker-process protocol -------------------------------------------
//
// The parent forks `node <driver> --child worker ...`; the child builds its
// worker, says {type:'ready'}, starts consuming on {type:'run', expect}, and
// once `expect` jobs have completed answers {type:'done', starts, ends} (job id
// -> start/end time). {type:'stop'} makes it close and exit.

class WorkerProcess {
  constructor (script, args) {
    this.child = fork(script, ['--child', 'worker', ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.waiters = new Map()
    this.exited = new Promise(resolve => this.child.once('exit', code => resolve(code)))
    this.child.on('message', msg => {
      const w = this.waiters.get(msg.type)
      if (w) {
        this.waiters.delete(msg.type)
        w.resolve(msg)
      }
    })
    this.child.once('exit', code => {
      for (const w of this.waiters.values()) w.reject(new Error(`worker process exited (${code})`))
      this.waiters.clear()
    })
  }

  waitFor (type) {
    return new Promise((resolve, reject) => this.waiters.set(type, { resolve, reject }))
  }

  async ready () {
    return this.waitFor('ready')
  }

  run (expect) {
    const done = this.waitFor('done')
    this.child.send({ type: 'run', expect })
    return done.then(msg => ({
      starts: new Map(msg.starts),
      ends: new Map(msg.ends)
    }))
  }

  async stop () {
    if (this.child.exitCode === null && this.child.connected) this.child.send({ type: 'stop' })
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15000)
    await this.exited
    clearTimeout(timer)
  }
}

// Child side: `start(expect)` begins consuming; the driver calls
// tracker.started(id) / tracker.finished(id) from its handler/events.
function serveWorker ({ build }) {
  const starts = new Map()
  const ends = new Map()
  let expect = Infinity
  let reported = false
  const tracker = {
    started (id) { starts.set(String(id), now()) },
    finished (id) {
      ends.set(String(id), now())
      if (!reported && ends.size >= expect) {
        reported = true
        process.send({ type: 'done', starts: [...starts], ends: [...ends] })
      }
    }
  }
  let handle
  process.on('message', async msg => {
    if (msg.type === 'run') {
      expect = msg.expect
      await handle.start()
    } else if (msg.type === 'stop') {
      await handle.close()
      process.exit(0)
    }
  })
  process.on('disconnect', () => process.exit(0))
  build(tracker).then(h => {
    handle = h
    process.send({ type: 'ready' })
  }, err => {
    log('worker failed to start:', err.stack || err)
    process.exit(2)
  })
}

// Rate from the first job start to the last job end across a worker's report.
function spanRate (report, n, from) {
  let first = from !== undefined ? from : Infinity
  if (from === undefined) for (const t of report.starts.values()) if (t < first) first = t
  let last = -Infinity
  for (const t of report.ends.values()) if (t > last) last = t
  return { rate: (n * 1000) / (last - first), ms: last - first }
}

// Runs the four phases of the workload against one system. `sys` supplies:
//   enqueue(queue, n, inflight) -> Map id -> issue time (closed loop)
//   addOne(queue) -> id          (one enqueue, for the open loop)
//   workerArgs(queue)            (argv for the forked worker process)
//   script                       (path of the driver, forked as the worker)
async function runWorkload (sys, opts) {
  const { jobs: n, inflight, rate, seconds } = opts
  const result = { phases: {} }

  // 1. Enqueue: producer only, `inflight` adds outstanding.
  log(sys.name, `enqueue: ${n} jobs, ${inflight} in flight`)
  const enq = await closedLoop(n, inflight, () => sys.addOne('bench-drain'))
  result.enqueue_per_s = round((n * 1000) / enq.ms, 0)
  result.phases.enqueue = { jobs: n, inflight, seconds: round(enq.ms / 1000, 3) }
  log(sys.name, `enqueue: ${result.enqueue_per_s}/s`)

  // 2. Drain: workers consume the n jobs enqueued above.
  {
    const w = new WorkerProcess(sys.script, sys.workerArgs('bench-drain'))
    try {
      await w.ready()
      const rep = await w.run(n)
      const s = spanRate(rep, n)
      result.drain_per_s = round(s.rate, 0)
      result.phases.drain = { jobs: n, seconds: round(s.ms / 1000, 3), measured: 'first job start -> last job completion' }
    } finally {
      await w.stop()
    }
    log(sys.name, `drain: ${result.drain_per_s}/s`)
  }

  // 3. Combined: producer and workers at once, until all n are done.
  {
    const w = new WorkerProcess(sys.script, sys.workerArgs('bench-combined'))
    try {
      await w.ready()
      const done = w.run(n)
      const enq3 = await closedLoop(n, inflight, () => sys.addOne('bench-combined'))
      const rep = await done
      const s = spanRate(rep, n, enq3.t0)
      result.combined_per_s = round(s.rate, 0)
      result.phases.combined = {
        jobs: n,
        inflight,
        seconds: round(s.ms / 1000, 3),
        enqueue_seconds: round(enq3.ms / 1000, 3),
        measured: 'first enqueue -> last job completion'
      }
    } finally {
      await w.stop()
    }
    log(sys.name, `combined: ${result.combined_per_s}/s`)
  }

  // 4. End-to-end latency at a fixed rate.
  {
    const count = Math.max(1, Math.round(rate * seconds))
    const w = new WorkerProcess(sys.script, sys.workerArgs('bench-e2e'))
    try {
      await w.ready()
      const done = w.run(count)
      const issued = new Map()
      const loop = await openLoop(rate, count, async (i, t) => {
        const id = await sys.addOne('bench-e2e')
        issued.set(String(id), t)
      })
      const rep = await done
      const start = summarize(latencies(issued, rep.starts))
      const end = summarize(latencies(issued, rep.ends))
      result.e2e_p50_ms = start.p50_ms
      result.e2e_p99_ms = start.p99_ms
      result.phases.e2e = {
        rate,
        jobs: count,
        offered_seconds: round(loop.ms / 1000, 3),
        to_worker_start: start,
        to_completion: end,
        measured: 'issue of the enqueue call -> handler start (to_completion: -> job marked complete)'
      }
    } finally {
      await w.stop()
    }
    log(sys.name, `e2e @${rate}/s: p50 ${result.e2e_p50_ms} ms, p99 ${result.e2e_p99_ms} ms`)
  }
  return result
}

module.exports = {
  PAYLOAD,
  now,
  sleep,
  closedLoop,
  openLoop,
  percentile,
  round,
  summarize,
  parseArgs,
  log,
  WorkerProcess,
  serveWorker,
  runWorkload
}
