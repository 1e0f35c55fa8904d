/**
 * Remembers which one-time URLs were used. `@stowage/http` consumes a URL's
 * nonce before it stores the body, so a replayed URL is refused.
 */
export interface NonceStore {
  /**
   * Marks `nonce` used. MUST resolve `true` the first time and `false` every
   * later time, atomically: of concurrent calls with one nonce exactly one
   * gets `true`. The nonce may be forgotten after `expiresAt`, when its URL
   * has expired anyway.
   */
  consume(nonce: string, expiresAt: Date): Promise<boolean>;
}
