/** The error every guarded entry point turns into a 4xx answer with its reason, never a crash. */
export class MalformedRequest extends Error {
  override readonly name = 'MalformedRequest';
  constructor(
    /** 4xx status to answer (400 unless a more precise one applies: 413 too large, 415 media type, 431 headers). */
    readonly status: number,
    message: string,
  ) {
    super(message);
    assertClientErrorStatus(status, 'MalformedRequest');
  }
}

/** Refuses a status that is not a 4xx: an error answered to a client must blame the request, never the server. */
export function assertClientErrorStatus(status: number, errorName: string): void {
  if (!Number.isInteger(status) || status < 400 || status > 499) throw new Error(`${errorName}: status ${status} is not a 4xx`);
}
