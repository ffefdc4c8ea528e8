import { readConfig } from '../lib/config';
import { createHandler } from './create-handler';

/** Lambda entry of the urgent lane: configuration read and validated once, at cold start. */
export const handler = createHandler(readConfig());
