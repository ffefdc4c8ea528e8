import { readConsumerConfig } from './config';
import { createConsumer } from './create-consumer';

/** Lambda entry of the routine lane, invoked by EventBridge Scheduler: configuration read once, at cold start. */
export const handler = createConsumer(readConsumerConfig());
