import { removeBundles } from './bundles';

/** jest's globalTeardown: removes the bundles test/support/bundles.ts built for this run. */
export default async function globalTeardown(): Promise<void> {
  removeBundles();
}
