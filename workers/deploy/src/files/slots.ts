/**
 * How many uploads stream into the bucket at once in this isolate (AppSpec v3 "Files"). Measured
 * (docs/benchmarks.md): the local R2 simulation grows workerd's memory with the number of puts in
 * flight (20 at once +117 MiB, 4 at a time +80, one at a time +72 for the same 200 MiB), so uploads
 * past UPLOAD_SLOTS wait, unread: their clients are held back by TCP, and the wait is not the
 * stall timer's (a body is only timed once it is read).
 *
 * A waiting upload is never parked on a promise another request resolves (workerd cancels such a
 * request as hung): it looks again every POLL_MS. A slot is a lease, not a lock: a request cancelled
 * mid-upload may never give it back, and a client trickling its bytes must not hold it for minutes,
 * so a slot counts for LEASE_MS at most; and nobody waits longer than MAX_WAIT_MS (then it goes
 * anyway, over the bound): the bound saves memory under a burst, it never refuses nor stalls an upload.
 */

export const UPLOAD_SLOTS = 4;
const POLL_MS = 10;
const LEASE_MS = 10_000;
const MAX_WAIT_MS = 10_000;

/** Leases held now: when each was taken. */
const held = new Set<{ at: number }>();

function busy(now: number): number {
  for (const lease of held) if (now - lease.at > LEASE_MS) held.delete(lease);
  return held.size;
}

/** Waits for a slot (or MAX_WAIT_MS) and takes it; the function returned gives it back (twice is harmless). */
export async function uploadSlot(): Promise<() => void> {
  const started = Date.now();
  while (busy(Date.now()) >= UPLOAD_SLOTS && Date.now() - started < MAX_WAIT_MS)
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  const lease = { at: Date.now() };
  held.add(lease);
  return () => {
    held.delete(lease);
  };
}
