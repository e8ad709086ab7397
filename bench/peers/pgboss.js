'use strict'
// pg-boss driver: runs the peer workload (lib/common.js runWorkload) against a
// PostgreSQL that bench/peers/run started. Prints one JSON result line on stdout.
//
//   node pgboss.js --pg-url URL [--label NAME] [--jobs N] [--inflight 64]
//                  [--rate R] [--seconds S]
//                  [--workers 4] [--batch-size 25] [--poll-seconds 0.5]
//
// Producer: boss.send(queue, {"seconds": 1}) with default options (standard
// queue policy, default connection pool of 10). Workers: one Node process with
// `workers` standard boss.work() pollers, each fetching up to `batch-size` jobs
// per poll. pg-boss 10's work() loop fetches, runs the handler, then sleeps
// for the rest of the polling interval whether or not it found jobs, so a
// worker's ceiling is batch-size / poll-seconds jobs/s: the defaults give
// 4 x 25 / 0.5 s = 200 jobs/s. These knobs are printed with the result.

const path = require('node:path')
const PgBoss = require('pg-boss')
const common = require('./lib/common')

const args = common.parseArgs(process.argv.slice(2))
const url = args['pg-url'] || 'postgres://postgres@127.0.0.1:5432/postgres'
const workers = Number(args.workers || 4)
const batchSize = Number(args['batch-size'] || 25)
const pollSeconds = Number(args['poll-seconds'] || 0.5)

if (args.child === 'worker') {
  common.serveWorker({
    async build (tracker) {
      const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false })
      boss.on('error', err => common.log('pg-boss worker error:', err.message))
      await boss.start()
      return {
        start: async () => {
          // Pollers started in step would all sleep and wake together; real
          // workers start at unrelated times, so spread them evenly over
          // the interval (the best case for pickup latency).
          for (let i = 0; i < workers; i++) {
            if (i > 0) await common.sleep((pollSeconds * 1000) / workers)
            await boss.work(args.queue, { batchSize, pollingIntervalSeconds: pollSeconds }, async jobs => {
              // The no-op. pg-boss completes the batch after the handler
              // resolves, without waiting, so "finished" here is handler end.
              for (const job of jobs) tracker.started(job.id)
              for (const job of jobs) tracker.finished(job.id)
            })
          }
        },
        close: () => boss.stop({ graceful: false, wait: false })
      }
    }
  })
} else {
  main().catch(err => {
    common.log('pg-boss driver failed:', err.stack || err)
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
  const boss = new PgBoss({ connectionString: url })
  boss.on('error', err => common.log('pg-boss error:', err.message))
  await boss.start()
  for (const q of ['bench-drain', 'bench-combined', 'bench-e2e']) await boss.createQueue(q)

  const sys = {
    name: args.label || 'pg-boss',
    script: path.resolve(__filename),
    workerArgs: q => ['--queue', q, '--pg-url', url, '--workers', String(workers),
      '--batch-size', String(batchSize), '--poll-seconds', String(pollSeconds)],
    addOne: q => boss.send(q, common.PAYLOAD)
  }
  const result = await common.runWorkload(sys, opts)
  await boss.stop({ graceful: false, wait: true })
  result.system = sys.name
  result.config = {
    producer: `1 Node process, boss.send, ${opts.inflight} in flight (pool of 10 connections)`,
    workers: `1 Node process, ${workers} x boss.work({batchSize: ${batchSize}, pollingIntervalSeconds: ${pollSeconds}}), no-op handler`,
    ceiling: `${workers} x ${batchSize} / ${pollSeconds} s = ${Math.round(workers * batchSize / pollSeconds)} jobs/s by pg-boss's polling design`
  }
  process.stdout.write(JSON.stringify(result) + '\n')
}
