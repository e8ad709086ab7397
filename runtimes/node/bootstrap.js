#!/usr/bin/env node
// jobstream's Node.js runtime for the Lambda Runtime API: plain JavaScript, Node's own modules
// only (AWS's aws-lambda-ric npm package builds native code and fetches its C++ dependencies
// at install time, which does not work offline).
//
// Loads `module.function` from _HANDLER under LAMBDA_TASK_ROOT (module.js, .cjs or .mjs; NODE_PATH
// holds the layers), then loops: GET /runtime/invocation/next, call handler(event, context) (an
// async handler's promise, or the callback of a callback-style one), POST the result to
// /invocation/{id}/response or the error, in Lambda's shape ({errorType, errorMessage, trace}),
// to /invocation/{id}/error. A load failure goes to /runtime/init/error and ends the process.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const { pathToFileURL } = require('url');

const [host, port] = (process.env.AWS_LAMBDA_RUNTIME_API || '').split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const PREFIX = '/2018-06-01/runtime';

function call(method, route, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host, port: Number(port), method, path: PREFIX + route, agent, headers },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
    request.on('error', reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

function errorPayload(error) {
  const isError = error instanceof Error;
  return {
    errorType: isError ? (error.name || 'Error') : 'Error',
    errorMessage: isError ? String(error.message) : String(error),
    trace: isError && error.stack ? String(error.stack).split('\n') : [],
  };
}

function post(route, payload, errorType) {
  const headers = { 'Content-Type': 'application/json' };
  if (errorType) headers['Lambda-Runtime-Function-Error-Type'] = errorType;
  return call('POST', route, JSON.stringify(payload), headers);
}

class InitError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) throw new InitError('Runtime.MalformedHandlerName', `Bad handler '${spec}': expected module.function`);
  const moduleName = spec.slice(0, dot);
  const functionName = spec.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let loaded = null;
  for (const extension of ['.js', '.cjs', '.mjs']) {
    const file = path.resolve(root, moduleName + extension);
    if (!fs.existsSync(file)) continue;
    try {
      loaded = extension === '.cjs' || extension === '.js' ? require(file) : await import(pathToFileURL(file).href);
    } catch (error) {
      if (error && error.code === 'ERR_REQUIRE_ESM') {
        loaded = await import(pathToFileURL(file).href);
      } else {
        throw error;
      }
    }
    break;
  }
  if (loaded === null) throw new InitError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`);
  const handler = loaded[functionName] || (loaded.default && loaded.default[functionName]);
  if (typeof handler !== 'function') throw new InitError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  return handler;
}

function makeContext(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
  return {
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function invoke(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const payload = errorPayload(error);
    console.error(`[ERROR] ${payload.errorType}: ${payload.errorMessage}`);
    await post('/init/error', payload, payload.errorType);
    process.exit(1);
  }
  for (;;) {
    const next = await call('GET', '/invocation/next');
    if (next.status !== 200) throw new Error(`/invocation/next answered ${next.status}: ${next.body.slice(0, 200)}`);
    const requestId = next.headers['lambda-runtime-aws-request-id'];
    process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'] || '';
    try {
      const result = await invoke(handler, next.body ? JSON.parse(next.body) : null, makeContext(next.headers));
      await call('POST', `/invocation/${requestId}/response`, JSON.stringify(result === undefined ? null : result),
        { 'Content-Type': 'application/json' });
    } catch (error) {
      const payload = errorPayload(error);
      console.error(`[ERROR] ${payload.errorType}: ${payload.errorMessage}`);
      await post(`/invocation/${requestId}/error`, payload, 'Unhandled');
    }
  }
}

main().catch((error) => {
  console.error(`[ERROR] runtime: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
