/** Timestamps as Kubernetes writes them (metav1.Time): RFC 3339, whole seconds, UTC, e.g. `2026-12-05T19:48:21Z`. */
export function rfc3339(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime (an Event's eventTime, a Lease's renewTime): RFC 3339 with six fractional digits, UTC. */
export function rfc3339Micro(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
