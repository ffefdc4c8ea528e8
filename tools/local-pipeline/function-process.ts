/**
 * A function's process (a Lambda execution environment): started by function-host.ts with an IPC
 * channel, it builds the function from the configuration object it is sent (never from its
 * environment), then runs one invocation at a time. It exits when its parent goes away.
 */
import type { Context } from 'aws-lambda';
import { createHandler } from '../../functions/revoke-tokens/create-handler';
import { createConsumer } from '../../functions/routine-consumer/create-consumer';
import {
  type FromFunction,
  FunctionKind,
  functionName,
  logGroupName,
  type ToFunction,
} from './function-protocol';

type Invocable = (event: unknown, context: Context) => Promise<unknown>;

function build(init: Extract<ToFunction, { type: 'init' }>): Invocable {
  if (init.kind === FunctionKind.Routine) return createConsumer(init.config);
  return createHandler(init.config) as Invocable;
}

function context(deadline: number, kind: FunctionKind, id: number): Context {
  const name = functionName(kind);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: `${process.pid}-${id}`,
    logGroupName: logGroupName(kind),
    logStreamName: String(process.pid),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const describe = (error: unknown) => ({
  name: error instanceof Error ? error.name : 'Error',
  message: error instanceof Error ? error.message : String(error),
});

const send = (message: FromFunction) => process.send?.(message);
let invocable: Invocable | undefined;
let kind: FunctionKind = FunctionKind.Urgent;

process.on('message', (message: ToFunction) => {
  if (message.type === 'init') {
    try {
      kind = message.kind;
      invocable = build(message);
      send({ type: 'ready' });
    } catch (error) {
      send({ type: 'init_error', error: describe(error) });
    }
    return;
  }
  const { id, event, deadline } = message;
  if (invocable === undefined) {
    send({ type: 'error', id, error: { name: 'InitError', message: 'the function was not built' } });
    return;
  }
  invocable(event, context(deadline, kind, id)).then(
    (value) => send({ type: 'result', id, value }),
    (error: unknown) => send({ type: 'error', id, error: describe(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
