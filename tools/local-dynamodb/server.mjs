// Starts dynalite, a DynamoDB-compatible server, on 127.0.0.1 for a parent process (startLocalDynamoDb).
import { serveForParent } from '../child-server/serve.mjs';
import { startLoopbackDynamoDb } from './loopback.mjs';

await serveForParent(() => startLoopbackDynamoDb({ port: Number(process.env.LOCAL_DYNAMODB_PORT ?? 0) }));
