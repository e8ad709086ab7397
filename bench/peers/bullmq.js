'use strict'
// BullMQ driver: runs the peer workload (lib/common.js runWorkload) against a
// Redis that bench/peers/run started. Prints one JSON result line on stdout.
//
//   node bullmq.js --redis-port P --label NAME [--jobs N] [--inflight 64]
//                  [--rate R] [--seconds S] [--concurrency C]
//
// Jobs are added with Queue.add('noop', {"seconds": 1}) and default job options
// (completed jobs are kept, as BullMQ does by default). One worker process runs
// a Worker with `concurrency` (default 64) whose handler does nothing.

const path = require('node:path')
const { Queue, Worker } = require('bullmq')
const common = require('./lib/common')

const args = common.parseArgs(process.argv.slice(2))
const connection = { host: '127.0.0.1', port: Number(args['redis-port'] || 6379) }

if (args.child === 'worker') {
  common.serveWorker({
    async build (tracker) {
      const worker = new Worker(args.queue, async job => {
        tracker.started(job.id)
      }, { connection, concurrency: Number(args.concurrency || 64), autorun: false })
      worker.on('completed', job => tracker.finished(job.id))
      worker.on('error', err => common.log('bullmq worker error:', err.message))
      await worker.waitUntilReady()
      return {
        start: async () => { worker.run().catch(err => common.log('bullmq run:', err.message)) },
        close: () => worker.close()
      }
    }
  })
} else {
  main().catch(err => {
    common.log('bullmq driver failed:', err.stack || err)
    process.exit(1)
  })
}

async function main () {
  const opts = {
    jobs: Number(args.jobs || 20000),
    inflight: Number(args.inflight || 64),
    rate: Number(args.rate || 200),
    seconds: Number(args.seconds || 10)
  }
  const concurrency = Number(args.concurrency || 64)
  const queues = new Map()
  const queueFor = name => {
    if (!queues.has(name)) queues.set(name, new Queue(name, { connection }))
    return queues.get(name)
  }
  for (const q of ['bench-drain', 'bench-combined', 'bench-e2e']) await queueFor(q).waitUntilReady()

  const sys = {
    name: args.label || 'bullmq',
    script: path.resolve(__filename),
    workerArgs: q => ['--queue', q, '--redis-port', String(connection.port), '--concurrency', String(concurrency)],
    addOne: async q => (await queueFor(q).add('noop', common.PAYLOAD)).id
  }
  const result = await common.runWorkload(sys, opts)
  for (const q of queues.values()) await q.close()
  result.system = sys.name
  result.config = {
    producer: `1 Node process, Queue.add, ${opts.inflight} in flight`,
    workers: `1 Node process, Worker concurrency ${concurrency}, no-op handler`,
    job_options: 'defaults (completed jobs kept)'
  }
  process.stdout.write(JSON.stringify(result) + '\n')
}
