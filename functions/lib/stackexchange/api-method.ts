/** The access-token methods of the Stack Exchange API, keyed by their method template. */
export const ApiMethod = {
  Invalidate: 'invalidate',
  Read: 'read',
  Deauthenticate: 'deauthenticate',
} as const;
export type ApiMethod = (typeof ApiMethod)[keyof typeof ApiMethod];
