'use strict'
// graphile-worker driver (optional peer): runs the peer workload (lib/common.js
// runWorkload) against a PostgreSQL that bench/peers/run started. Prints one
// JSON result line on stdout.
//
//   node graphile.js --pg-url URL [--label NAME] [--jobs N] [--inflight 64]
//                    [--rate R] [--seconds S]
//                    [--concurrency 64] [--local-queue 500] [--complete-batch-delay 0]
//
// Producer: WorkerUtils.addJob(task, {"seconds": 1}), one call per job, default
// pool of 10 connections. Workers: one Node process, run() with `concurrency`
// and graphile-worker's batching switched on (the "batched" setup of
// PERF-NOTES): a local queue of `local-queue` jobs fetched and locked at once,
// and completions batched (completeJobBatchDelay). Each phase uses its own task
// identifier; a worker only fetches the tasks it knows.

const path = require('node:path')
const { EventEmitter } = require('node:events')
const { run, makeWorkerUtils, Logger } = require('graphile-worker')
const common = require('./lib/common')

const args = common.parseArgs(process.argv.slice(2))
const url = args['pg-url'] || 'postgres://postgres@127.0.0.1:5432/postgres'
const concurrency = Number(args.concurrency || 64)
const localQueue = Number(args['local-queue'] || 500)
const completeBatchDelay = Number(args['complete-batch-delay'] || 0)

// graphile-worker logs every job at info level; keep warnings and errors only.
const logger = new Logger(scope => (level, message) => {
  if (level === 'error' || level === 'warning') common.log(`graphile-worker ${level}:`, message)
})

if (args.child === 'worker') {
  common.serveWorker({
    async build (tracker) {
      const events = new EventEmitter()
      // Emitted when the task has returned; the completion is then written in a batch.
      events.on('job:success', ({ job }) => tracker.finished(job.id))
      let runner
      return {
        start: async () => {
          runner = await run({
            connectionString: url,
            concurrency,
            maxPoolSize: concurrency + 2, // graphile-worker's advice: max(10, concurrency + 2)
            noHandleSignals: true,
            logger,
            events,
            taskList: { [args.queue]: async (_payload, helpers) => { tracker.started(helpers.job.id) } },
            preset: { worker: { localQueue: { size: localQueue }, completeJobBatchDelay: completeBatchDelay } }
          })
        },
        close: async () => { if (runner) await runner.stop() }
      }
    }
  })
} else {
  main().catch(err => {
    common.log('graphile-worker driver failed:', err.stack || err)
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
  const utils = await makeWorkerUtils({ connectionString: url, logger })
  await utils.migrate()

  const sys = {
    name: args.label || 'graphile-worker',
    script: path.resolve(__filename),
    workerArgs: q => ['--queue', q, '--pg-url', url, '--concurrency', String(concurrency),
      '--local-queue', String(localQueue), '--complete-batch-delay', String(completeBatchDelay)],
    addOne: async q => (await utils.addJob(q, common.PAYLOAD)).id
  }
  const result = await common.runWorkload(sys, opts)
  await utils.release()
  result.system = sys.name
  result.config = {
    producer: `1 Node process, WorkerUtils.addJob, ${opts.inflight} in flight (pool of 10 connections)`,
    workers: `1 Node process, run({concurrency: ${concurrency}, maxPoolSize: ${concurrency + 2}}) with ` +
      `localQueue.size ${localQueue} and ` +
      `completeJobBatchDelay ${completeBatchDelay}, no-op task`
  }
  process.stdout.write(JSON.stringify(result) + '\n')
}
