/**
 * Who may talk to the aggregator: the training workers of its own job. The GM gives every worker of a job the same
 * credential (SEDNA_JOB_CREDENTIAL, @sedna/api/guard job-credential.ts), the aggregation worker included, so the
 * aggregator compares what a caller presents (`Authorization: Bearer <credential>`, on the websocket upgrade and on
 * GET /<aggregation>) with its own. Without a credential of its own (no control plane, or AGG_AUTH=none) it is open,
 * as the original's.
 */
import type { IncomingMessage } from 'node:http';
import { bearerToken, sameCredential } from '@sedna/api/guard';

/** The reason a caller is refused, or undefined when it may go on. */
export function callerRefusal(request: IncomingMessage, credential: string | undefined): string | undefined {
  if (credential === undefined) return undefined;
  const given = bearerToken(request.headers.authorization);
  if (given === undefined) {
    return 'the aggregator needs the job credential: Authorization: Bearer $SEDNA_JOB_CREDENTIAL (the GM gives it to every worker of the job; a trainer of the original Python lib sends none: set AGG_AUTH=none on the aggregation worker for such a job)';
  }
  return sameCredential(given, credential) ? undefined : 'the credential is not the one of this job (a worker of another job, or of an earlier job of the same name)';
}

/** Logs the first refusal and then one in a hundred, so that a flood of bad callers cannot fill the log. */
export class RefusalLog {
  private count = 0;

  constructor(private readonly log: (line: string) => void) {}

  refused(request: IncomingMessage, reason: string): void {
    this.count++;
    if (this.count === 1 || this.count % 100 === 0) {
      this.log(`refused a caller from ${request.socket.remoteAddress ?? 'an unknown address'} (${this.count} so far): ${reason}`);
    }
  }
}
