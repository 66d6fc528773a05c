// A dependency that may never answer (a hung database, an unreachable Durable Object)
// must not hold a request or a cron run: the caller stops waiting at a deadline.
import { PublicFailure } from "./failure-category.ts";

/** Rejects with `timed out after N ms` when `work` has not settled within `ms`; the work itself is not cancelled. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what = "call"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`timed out after ${ms} ms`, what)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export class DeadlineExceeded extends PublicFailure {
  readonly what: string;

  constructor(message: string, what: string) {
    super(message);
    this.what = what;
  }
}
