/** Which connected training workers take part in a federated round. */
export interface ClientChoose {
  /** The registry name. */
  readonly name: string;
  /** How many clients must be connected before a round can start (Flower's min_available_clients). */
  readonly minAvailable: number;
  /** This round's participants among `available` (client ids); [] when too few are available. */
  choose(available: readonly string[]): string[];
}
