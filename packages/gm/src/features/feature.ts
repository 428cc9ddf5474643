/**
 * A feature of the GM, as the original's `controllers/registry.go` lists them: the kinds it serves, and a
 * `register` that adds its controller(s) through the builder, its upstream handlers (what local controllers report
 * on its kinds) and its downstream contributors (which of its objects each node holds) to the channel router.
 * Adding a kind is its own folder under controllers/ with a feature, and one line in registry.ts.
 */
import type { EmbeddedAutoscaler } from '../controllers/jointinference/autoscaling/embedded-autoscaler.js';
import type { ChannelRouter } from '../channel/router.js';
import type { GmConfig } from '../config.js';
import type { KubeClient } from '../runtime/client.js';
import type { ControllerManager } from '../runtime/manager.js';
import type { SednaKindName } from '../runtime/kinds.js';
import type { AddressingFor } from '../workers/addressing.js';

export interface FeatureContext {
  /** The builder: `manager.add(declaration, (cache) => controller)`. */
  manager: ControllerManager;
  client: KubeClient;
  router: ChannelRouter;
  /** How workers are addressed, from a controller's cache (which then watches Node and Service). */
  addressing: AddressingFor;
  /** Embedded mode: Pods run as processes on the local controllers, the GM schedules them and scales workers. */
  embedded: boolean;
  config: GmConfig;
  /** Embedded mode: scales autoscaled joint inference workers from their metrics. */
  autoscaler?: EmbeddedAutoscaler;
}

export interface Feature {
  /** The feature's name (its folder). */
  name: string;
  /** The kinds it serves: a Sedna kind no feature serves gets a NotServed condition (see unserved.ts). */
  kinds: readonly string[];
  /**
   * Kinds whose reports a node may send only while one of the object's workers runs there, or its dataset is there
   * (channel/ownership.ts); Pods and Datasets have their own rules.
   */
  workerReportKinds?: readonly SednaKindName[];
  register(ctx: FeatureContext): void;
}
