// An example Node.js handler for lambda-sim (runtime nodejs18.x ... nodejs24.x), as an ES module.
//
//   lambda-sim create-function --function-name hello-node --runtime nodejs22.x \
//       --handler index.handler --code-path examples/handlers/node
//   lambda-sim invoke --function-name hello-node --payload '{"name": "Grace"}' --log-type Tail out.json

let invocations = 0;

export const handler = async (event, context) => {
  invocations += 1;
  const name = event?.name ?? 'world';
  console.log(`greeting ${name}`, { invocation: invocations });
  return {
    message: `hello, ${name}`,
    requestId: context.awsRequestId,
    function: context.functionName,
    memoryLimitInMB: context.memoryLimitInMB,
    remainingMs: context.getRemainingTimeInMillis(),
  };
};

// Callback style: with callbackWaitsForEmptyEventLoop (the default) the response is sent once
// the timer has run and the event loop is empty.
export const withCallback = (event, context, callback) => {
  setTimeout(() => console.log('timer done'), 50);
  callback(null, { style: 'callback' });
};

export const fail = async () => {
  throw new Error('something went wrong');
};
