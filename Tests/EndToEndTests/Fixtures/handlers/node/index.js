// Node.js handlers for RuntimeTests (CommonJS).
let count = 0;

exports.handler = async (event, context) => {
  console.log('hello from node', { n: 1 });
  return { ok: true, event };
};

exports.callback = (event, context, callback) => {
  setTimeout(() => console.log('timer ran before the response'), 20);
  callback(null, { via: 'callback' });
};

exports.noWait = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => {}, 5000);
  callback(null, 'did not wait');
};

exports.succeed = (event, context) => {
  context.succeed({ via: 'succeed' });
};

exports.fail = (event, context) => {
  context.fail(new TypeError('failed via context'));
};

exports.boom = async () => {
  throw new Error('node went wrong');
};

exports.throwString = async () => {
  throw 'just a string';
};

exports.syncNoReturn = () => {
  console.log('sync handler that returns nothing');
};

exports.context = async (event, context) => ({
  awsRequestId: context.awsRequestId,
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
  clientContext: context.clientContext === undefined ? null : context.clientContext,
  remaining: context.getRemainingTimeInMillis(),
  hasDone: typeof context.done === 'function' && typeof context.succeed === 'function' && typeof context.fail === 'function',
});

exports.counter = async () => {
  count += 1;
  return { count, pid: process.pid };
};

exports.environment = async () => process.env;

exports.nested = { deeper: async () => 'nested handler' };

exports.unicode = async () => ({ msg: 'h\u00e9llo \u2713' });

exports.crash = async () => {
  process.exit(7);
};

exports.streaming = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write('part one, ');
  await new Promise((resolve) => setTimeout(resolve, 10));
  responseStream.write('part two');
  responseStream.end();
});
