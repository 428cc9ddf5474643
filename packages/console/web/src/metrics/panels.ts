/**
 * What the console charts from Prometheus for each kind: the paradigm's own figures (the metric catalogue of
 * packages/metrics/README.md) and the workers' (restarts, CPU, memory). Counters are charted as rates over a
 * minute; gauges as they are.
 */
import { podsOf, promString } from './prometheus';

export interface PanelQuery {
  promql: string;
  legend?: string;
}

export interface Panel {
  /** Shown above the chart; its slug names the chart for tests (`prom-chart-<slug>`). */
  title: string;
  queries: PanelQuery[];
}

export function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function paradigmPanels(kind: string, sel: string): Panel[] {
  switch (kind) {
    case 'JointInferenceService':
      return [
        {
          title: 'Inferences per second',
          queries: [
            { promql: `sum(rate(sedna_joint_inference_edge_inferences_total{${sel}}[1m]))`, legend: 'edge' },
            { promql: `sum(rate(sedna_joint_inference_cloud_inferences_total{${sel}}[1m]))`, legend: 'cloud' },
            { promql: `sum(rate(sedna_joint_inference_hard_samples_total{${sel}}[1m]))`, legend: 'hard samples' },
          ],
        },
        {
          title: 'Upload ratio',
          queries: [{ promql: `sum(sedna_joint_inference_hard_samples_total{${sel}}) / sum(sedna_joint_inference_edge_inferences_total{${sel}})`, legend: 'hard / edge' }],
        },
        {
          title: 'Latency p50 (s)',
          queries: [
            { promql: `histogram_quantile(0.5, sum by (le) (rate(sedna_joint_inference_edge_latency_seconds_bucket{${sel}}[1m])))`, legend: 'edge' },
            { promql: `histogram_quantile(0.5, sum by (le) (rate(sedna_joint_inference_cloud_latency_seconds_bucket{${sel}}[1m])))`, legend: 'cloud' },
          ],
        },
      ];
    case 'IncrementalLearningJob':
    case 'LifelongLearningJob': {
      const p = kind === 'IncrementalLearningJob' ? 'sedna_incremental_learning' : 'sedna_lifelong_learning';
      const panels: Panel[] = [
        { title: 'Rounds and samples', queries: [{ promql: `${p}_iteration{${sel}}`, legend: 'iteration' }, { promql: `${p}_train_samples{${sel}}`, legend: 'train samples' }, { promql: `${p}_eval_samples{${sel}}`, legend: 'eval samples' }] },
        { title: 'Eval metrics (old and new model)', queries: [{ promql: `max by (model, metric) (${p}_eval_metric{${sel}})` }] },
        { title: 'Deploy decision', queries: [{ promql: `max by (status) (${p}_deploy_status{${sel}})` }] },
      ];
      if (kind === 'IncrementalLearningJob') panels.push({ title: 'Inference', queries: [{ promql: `sum(rate(${p}_inferences_total{${sel}}[1m]))`, legend: 'inferences/s' }, { promql: `sum(rate(${p}_hard_samples_total{${sel}}[1m]))`, legend: 'hard samples/s' }] });
      else panels.push({ title: 'Knowledge base', queries: [{ promql: `max(${p}_kb_tasks{${sel}})`, legend: 'tasks' }, { promql: `sum(${p}_unseen_samples_total{${sel}})`, legend: 'unseen samples' }] });
      return panels;
    }
    case 'FederatedLearningJob':
      return [
        { title: 'Rounds and clients', queries: [{ promql: `max(sedna_federated_learning_round{${sel}})`, legend: 'round' }, { promql: `max(sedna_federated_learning_train_nodes{${sel}})`, legend: 'clients' }] },
        { title: 'Train loss', queries: [{ promql: `max(sedna_federated_learning_train_loss{${sel}})`, legend: 'loss' }] },
        { title: 'Samples per client', queries: [{ promql: `max by (worker) (sedna_federated_learning_worker_samples{${sel}})` }] },
      ];
    case 'Dataset':
      return [{ title: 'Samples', queries: [{ promql: `max(sedna_dataset_samples{${sel}})`, legend: 'samples' }] }];
    case 'VideoAnalyticsJob':
      return cameraPanels(sel);
    case 'FeatureExtractionService':
      return [
        { title: 'Features extracted per second', queries: [{ promql: `sum(rate(sedna_multi_edge_inference_extracted_features_total{${sel}}[1m]))`, legend: 'features/s' }] },
        { title: 'Extraction p50 (s)', queries: [{ promql: `histogram_quantile(0.5, sum by (le) (rate(sedna_multi_edge_inference_feature_extraction_seconds_bucket{${sel}}[1m])))`, legend: 'p50' }] },
      ];
    case 'ReidJob':
      return reidPanels(sel);
    case 'ObjectTrackingService':
    case 'ObjectSearchService':
      return [...cameraPanels(sel), ...reidPanels(sel)];
    default:
      return [];
  }
}

/** Multi-edge cameras (video analytics, tracking workers): per-camera frame rate, what they saw, their latency. */
function cameraPanels(sel: string): Panel[] {
  const m = 'sedna_multi_edge_inference';
  return [
    { title: 'Camera frames per second', queries: [{ promql: `max by (camera) (${m}_camera_fps{${sel}})` }] },
    { title: 'Frames, detections, drops per second', queries: [{ promql: `sum(rate(${m}_frames_total{${sel}}[1m]))`, legend: 'frames' }, { promql: `sum(rate(${m}_detections_total{${sel}}[1m]))`, legend: 'detections' }, { promql: `sum(rate(${m}_dropped_frames_total{${sel}}[1m]))`, legend: 'dropped' }] },
    { title: 'Frame to result p50 (s)', queries: [{ promql: `histogram_quantile(0.5, sum by (le, camera) (rate(${m}_frame_to_result_seconds_bucket{${sel}}[1m])))` }] },
  ];
}

/** Multi-edge ReID (the job, or a service's ReID workers): boxes matched, identities kept, capture to match. */
function reidPanels(sel: string): Panel[] {
  const m = 'sedna_multi_edge_inference';
  return [
    { title: 'ReID boxes and matches per second', queries: [{ promql: `sum(rate(${m}_reid_boxes_total{${sel}}[1m]))`, legend: 'boxes' }, { promql: `sum(rate(${m}_reid_matches_total{${sel}}[1m]))`, legend: 'matches' }] },
    { title: 'Identities', queries: [{ promql: `max(${m}_identities{${sel}})`, legend: 'identities' }] },
    { title: 'Capture to match p50 (s)', queries: [{ promql: `histogram_quantile(0.5, sum by (le) (rate(${m}_capture_to_match_seconds_bucket{${sel}}[1m])))`, legend: 'p50' }] },
  ];
}

/** The workers of a job: their pods are named after it (`<job>-<role>-<suffix>`), including restarted ones. */
function workerPanels(namespace: string, name: string): Panel[] {
  const pods = `namespace=${promString(namespace)},pod=~${podsOf(name)}`;
  return [
    { title: 'Worker restarts', queries: [{ promql: `max by (pod) (sedna_pod_container_restarts{${pods}})` }] },
    { title: 'Worker CPU (cores)', queries: [{ promql: `sum by (pod) (rate(process_cpu_seconds_total{job="sedna-workers",${pods}}[1m]))` }] },
    { title: 'Worker memory (MiB)', queries: [{ promql: `sum by (pod) (process_resident_memory_bytes{job="sedna-workers",${pods}}) / 1048576` }] },
  ];
}

export function panelsFor(kind: string, namespace: string, name: string, workload: boolean): Panel[] {
  const sel = `namespace=${promString(namespace)},name=${promString(name)}`;
  return [...paradigmPanels(kind, sel), ...(workload ? workerPanels(namespace, name) : [])];
}
