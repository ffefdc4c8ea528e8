/**
 * The package.json that goes into the tarball (./pack.ts): what npm and Node need to install, load
 * and run the package, and what a reader of node_modules/token-revoker/package.json expects. Nothing
 * of the development setup: no scripts (an installed `prepare` makes npm warn about install scripts),
 * no devDependencies, devEngines, overrides or allowScripts.
 */

/** The fields a consumer's npm, Node, TypeScript and bundler read, in the order they are written. */
export const CONSUMER_FIELDS = [
  'name',
  'version',
  'description',
  'license',
  // Kept so that the tarball, too, is never published by accident.
  'private',
  'engines',
  'dependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'main',
  'types',
  'exports',
  'typesVersions',
  'bin',
] as const;

/** `manifest` reduced to CONSUMER_FIELDS (those it has). */
export function consumerManifest(manifest: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const field of CONSUMER_FIELDS) if (manifest[field] !== undefined) kept[field] = manifest[field];
  return kept;
}
