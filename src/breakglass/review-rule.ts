/**
 * Who may review a break-glass window after the fact, and when it counts as
 * reviewed (docs/operations.md "Break-glass", step 7):
 *
 * - A reviewer is an approver of the profile whose role is one of the
 *   break-glass rule's roles (profile `breakglass.roles`, default
 *   supervisor), signing with their own approver key.
 * - A window is reviewed once a reviewer who did NOT sign the grant has
 *   reviewed it, or two different reviewers have. A review by a signer of
 *   the grant is recorded, but on its own leaves the window pending: the
 *   people who opened the window are never its only reviewer.
 * - A window is reviewed only after it closed (its close receipt is held).
 */
export type ReviewState = 'open' | 'pending' | 'reviewed';

export interface ReviewEntry {
  readonly by: string;
  readonly role: string;
  readonly note: string;
  /** Seconds since epoch (the statement's time). */
  readonly ts: number;
  readonly digest: string;
  /** The reviewer did not sign the grant. */
  readonly independent: boolean;
}

export function reviewState(closed: boolean, reviews: readonly ReviewEntry[]): ReviewState {
  if (!closed) return 'open';
  const people = new Set(reviews.map((r) => r.by));
  return reviews.some((r) => r.independent) || people.size >= 2 ? 'reviewed' : 'pending';
}

/** What is still needed, for the list (empty when reviewed). */
export function reviewNeed(state: ReviewState, reviews: readonly ReviewEntry[]): string {
  if (state === 'open') return 'the window is still open: review after it closes';
  if (state === 'reviewed') return '';
  return reviews.length === 0 ? 'a review by a supervisor' : `a review by a second supervisor (${reviews.map((r) => r.by).join(', ')} signed the grant)`;
}
