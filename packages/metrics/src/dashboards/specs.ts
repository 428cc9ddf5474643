/** The dashboards: what each shows, in PromQL over the catalogue. */
import type { DashboardSpec } from './grafana.js';

const sel = 'namespace=~"$namespace",name=~"$name"';
const vars = (metric: string) => [
  { name: 'namespace', query: `label_values(${metric}, namespace)` },
  { name: 'name', query: `label_values(${metric}{namespace=~"$namespace"}, name)` },
];
const stage = (kind: string) => ({ title: 'Stage and condition', kind: 'table' as const, targets: [{ expr: `sedna_job_stage_condition{kind="${kind}",${sel}} == 1`, legend: '{{name}} {{stage}} {{condition}}' }] });

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'sedna-control-plane',
    title: 'Sedna / control plane',
    variables: [],
    panels: [
      { title: 'API requests by verb', unit: 'reqps', targets: [{ expr: 'sum by (verb) (rate(sedna_apiserver_requests_total[1m]))', legend: '{{verb}}' }] },
      { title: 'API latency p99 by verb', unit: 's', targets: [{ expr: 'histogram_quantile(0.99, sum by (le, verb) (rate(sedna_apiserver_request_duration_seconds_bucket[5m])))', legend: '{{verb}}' }] },
      { title: 'API errors (4xx, 5xx)', unit: 'reqps', targets: [{ expr: 'sum by (code, resource) (rate(sedna_apiserver_requests_total{code=~"4xx|5xx"}[5m]))', legend: '{{code}} {{resource}}' }] },
      { title: 'Open watches', targets: [{ expr: 'sum by (resource) (sedna_apiserver_watches)', legend: '{{resource}}' }] },
      { title: 'Reconcile p99 by controller', unit: 's', targets: [{ expr: 'histogram_quantile(0.99, sum by (le, controller) (rate(sedna_gm_reconcile_duration_seconds_bucket[5m])))', legend: '{{controller}}' }] },
      { title: 'Work queue depth', targets: [{ expr: 'sedna_gm_workqueue_depth', legend: '{{controller}}' }] },
      { title: 'Nodes connected and Ready', targets: [{ expr: 'sedna_gm_connected_nodes', legend: 'connected' }, { expr: 'sum(sedna_gm_node_ready)', legend: 'ready' }] },
      { title: 'LC outbox depth', targets: [{ expr: 'sedna_lc_outbox_depth', legend: '{{node}}' }] },
      { title: 'Upstream acknowledgement p99 per LC', unit: 's', targets: [{ expr: 'histogram_quantile(0.99, sum by (le, node) (rate(sedna_lc_upstream_ack_latency_seconds_bucket[5m])))', legend: '{{node}}' }] },
      { title: 'Pods by phase', targets: [{ expr: 'sum by (phase) (sedna_pod_status_phase)', legend: '{{phase}}' }] },
      { title: 'Container restarts', targets: [{ expr: 'sedna_pod_container_restarts > 0', legend: '{{namespace}}/{{pod}}' }] },
      { title: 'Resident memory by component', unit: 'bytes', targets: [{ expr: 'process_resident_memory_bytes', legend: '{{job}} {{instance}}' }] },
    ],
  },
  {
    uid: 'sedna-joint-inference',
    title: 'Sedna / joint inference',
    variables: vars('sedna_joint_inference_edge_inferences_total'),
    panels: [
      stage('JointInferenceService'),
      { title: 'Inferences per second, edge and cloud', unit: 'ops', targets: [{ expr: `sum by (name) (rate(sedna_joint_inference_edge_inferences_total{${sel}}[1m]))`, legend: '{{name}} edge' }, { expr: `sum by (name, result) (rate(sedna_joint_inference_cloud_inferences_total{${sel}}[1m]))`, legend: '{{name}} cloud {{result}}' }] },
      { title: 'Hard samples (share of inferences)', unit: 'percentunit', targets: [{ expr: `sum by (name) (rate(sedna_joint_inference_hard_samples_total{${sel}}[5m])) / sum by (name) (rate(sedna_joint_inference_edge_inferences_total{${sel}}[5m]) + rate(sedna_joint_inference_hard_samples_total{${sel}}[5m]))`, legend: '{{name}}' }] },
      { title: 'Edge latency p50 / p99', unit: 's', targets: [{ expr: `histogram_quantile(0.5, sum by (le, name) (rate(sedna_joint_inference_edge_latency_seconds_bucket{${sel}}[5m])))`, legend: '{{name}} p50' }, { expr: `histogram_quantile(0.99, sum by (le, name) (rate(sedna_joint_inference_edge_latency_seconds_bucket{${sel}}[5m])))`, legend: '{{name}} p99' }] },
      { title: 'Cloud latency p50 / p99', unit: 's', targets: [{ expr: `histogram_quantile(0.5, sum by (le, name) (rate(sedna_joint_inference_cloud_latency_seconds_bucket{${sel}}[5m])))`, legend: '{{name}} p50' }, { expr: `histogram_quantile(0.99, sum by (le, name) (rate(sedna_joint_inference_cloud_latency_seconds_bucket{${sel}}[5m])))`, legend: '{{name}} p99' }] },
      { title: 'Big model service: requests per second and p99 time', targets: [{ expr: `sum by (name, result) (rate(sedna_joint_inference_cloud_requests_total{${sel}}[1m]))`, legend: '{{name}} {{result}}' }, { expr: `histogram_quantile(0.99, sum by (le, name) (rate(sedna_joint_inference_cloud_service_seconds_bucket{${sel}}[5m])))`, legend: '{{name}} p99 s' }] },
      { title: 'Totals', kind: 'stat', targets: [{ expr: `sum(sedna_joint_inference_edge_inferences_total{${sel}})`, legend: 'edge' }, { expr: `sum(sedna_joint_inference_cloud_inferences_total{${sel}})`, legend: 'cloud' }, { expr: `sum(sedna_joint_inference_hard_samples_total{${sel}})`, legend: 'hard' }] },
    ],
  },
  {
    uid: 'sedna-incremental-learning',
    title: 'Sedna / incremental learning',
    variables: vars('sedna_incremental_learning_iteration'),
    panels: [
      stage('IncrementalLearningJob'),
      { title: 'Iteration', kind: 'stat', targets: [{ expr: `sedna_incremental_learning_iteration{${sel}}`, legend: '{{name}}' }] },
      { title: 'Train and eval samples of the round', targets: [{ expr: `sedna_incremental_learning_train_samples{${sel}}`, legend: '{{name}} train' }, { expr: `sedna_incremental_learning_eval_samples{${sel}}`, legend: '{{name}} eval' }] },
      { title: 'Inferences and hard samples in the iteration', targets: [{ expr: `sum by (name) (sedna_incremental_learning_iteration_inferences{${sel}})`, legend: '{{name}} inferences' }, { expr: `sum by (name) (sedna_incremental_learning_iteration_hard_samples{${sel}})`, legend: '{{name}} hard' }] },
      { title: 'Eval metrics, new and old model', kind: 'table', targets: [{ expr: `sedna_incremental_learning_eval_metric{${sel}}`, legend: '{{name}} {{model}} {{metric}}' }] },
      { title: 'Deploy status', kind: 'table', targets: [{ expr: `sedna_incremental_learning_deploy_status{${sel}} == 1`, legend: '{{name}} {{status}}' }] },
      { title: 'Train loss', targets: [{ expr: `sedna_incremental_learning_train_loss{${sel}}`, legend: '{{name}}' }] },
      { title: 'Remaining time of train and eval', unit: 's', targets: [{ expr: `sedna_incremental_learning_remaining_seconds{${sel}}`, legend: '{{name}} {{stage}}' }] },
      { title: 'Stage transitions', kind: 'table', targets: [{ expr: `sedna_job_stage_conditions{kind="IncrementalLearningJob",${sel}}`, legend: '{{name}} {{stage}} {{condition}}' }] },
      { title: 'Model URLs of the round', kind: 'table', targets: [{ expr: `sedna_incremental_learning_model_info{${sel}}`, legend: '{{role}} {{url}}' }] },
    ],
  },
  {
    uid: 'sedna-federated-learning',
    title: 'Sedna / federated learning',
    variables: vars('sedna_federated_learning_round'),
    panels: [
      stage('FederatedLearningJob'),
      { title: 'Round and aggregations', targets: [{ expr: `sedna_federated_learning_round{${sel}}`, legend: '{{name}} round' }, { expr: `sedna_federated_learning_aggregations_total{${sel}}`, legend: '{{name}} aggregations' }] },
      { title: 'Training workers in the last round', targets: [{ expr: `sedna_federated_learning_train_nodes{${sel}}`, legend: '{{name}}' }] },
      { title: 'Samples per worker', targets: [{ expr: `sedna_federated_learning_worker_samples{${sel}}`, legend: '{{name}} {{worker}}' }] },
      { title: 'Round duration p50', unit: 's', targets: [{ expr: `histogram_quantile(0.5, sum by (le, name) (rate(sedna_federated_learning_round_duration_seconds_bucket{${sel}}[10m])))`, legend: '{{name}}' }] },
      { title: 'Bytes per round', unit: 'bytes', targets: [{ expr: `sum by (name, direction) (increase(sedna_federated_learning_transferred_bytes_total{${sel}}[10m])) / clamp_min(sum by (name) (increase(sedna_federated_learning_aggregations_total{${sel}}[10m])), 1)`, legend: '{{name}} {{direction}}' }] },
      { title: 'Train loss', targets: [{ expr: `sedna_federated_learning_train_loss{${sel}}`, legend: '{{name}}' }] },
    ],
  },
  {
    uid: 'sedna-lifelong-learning',
    title: 'Sedna / lifelong learning',
    variables: vars('sedna_lifelong_learning_iteration'),
    panels: [
      stage('LifelongLearningJob'),
      { title: 'Iteration', kind: 'stat', targets: [{ expr: `sedna_lifelong_learning_iteration{${sel}}`, legend: '{{name}}' }] },
      { title: 'Tasks in the knowledge base', targets: [{ expr: `max by (name) (sedna_lifelong_learning_kb_tasks{${sel}})`, legend: '{{name}}' }] },
      { title: 'Unseen samples per second', unit: 'ops', targets: [{ expr: `sum by (name) (rate(sedna_lifelong_learning_unseen_samples_total{${sel}}[5m]))`, legend: '{{name}} unseen' }, { expr: `sum by (name) (rate(sedna_lifelong_learning_inferences_total{${sel}}[5m]))`, legend: '{{name}} all' }] },
      { title: 'Per-task metrics', kind: 'table', targets: [{ expr: `sedna_lifelong_learning_task_metric{${sel}}`, legend: '{{task}} {{metric}}' }] },
      { title: 'Eval metrics', kind: 'table', targets: [{ expr: `sedna_lifelong_learning_eval_metric{${sel}}`, legend: '{{name}} {{model}} {{metric}}' }] },
      { title: 'Train and eval samples of the round', targets: [{ expr: `sedna_lifelong_learning_train_samples{${sel}}`, legend: '{{name}} train' }, { expr: `sedna_lifelong_learning_eval_samples{${sel}}`, legend: '{{name}} eval' }] },
    ],
  },
  {
    uid: 'sedna-multi-edge-inference',
    title: 'Sedna / multi-edge inference',
    variables: vars('sedna_multi_edge_inference_frames_total'),
    panels: [
      { title: 'Frames per second by camera', unit: 'fps', targets: [{ expr: `sedna_multi_edge_inference_camera_fps{${sel}}`, legend: '{{name}} {{camera}} read' }, { expr: `sum by (name, camera) (rate(sedna_multi_edge_inference_frames_total{${sel}}[1m]))`, legend: '{{name}} {{camera}} rate' }] },
      { title: 'Detections per frame by camera', targets: [{ expr: `sum by (name, camera) (rate(sedna_multi_edge_inference_detections_total{${sel}}[1m])) / sum by (name, camera) (rate(sedna_multi_edge_inference_frames_total{${sel}}[1m]))`, legend: '{{name}} {{camera}}' }] },
      { title: 'Dropped frames (share)', unit: 'percentunit', targets: [{ expr: `sum by (name, camera) (rate(sedna_multi_edge_inference_dropped_frames_total{${sel}}[5m])) / sum by (name, camera) (rate(sedna_multi_edge_inference_frames_total{${sel}}[5m]))`, legend: '{{name}} {{camera}}' }] },
      { title: 'Frame to result p50 / p99', unit: 's', targets: [{ expr: `histogram_quantile(0.5, sum by (le, camera) (rate(sedna_multi_edge_inference_frame_to_result_seconds_bucket{${sel}}[5m])))`, legend: '{{camera}} p50' }, { expr: `histogram_quantile(0.99, sum by (le, camera) (rate(sedna_multi_edge_inference_frame_to_result_seconds_bucket{${sel}}[5m])))`, legend: '{{camera}} p99' }] },
      { title: 'Bytes up per frame', unit: 'bytes', targets: [{ expr: `sum by (name, camera) (rate(sedna_multi_edge_inference_uploaded_bytes_total{${sel}}[5m])) / sum by (name, camera) (rate(sedna_multi_edge_inference_frames_total{${sel}}[5m]))`, legend: '{{name}} {{camera}}' }] },
      { title: 'Feature extraction: boxes per second and p99 time per call', targets: [{ expr: `sum by (name) (rate(sedna_multi_edge_inference_extracted_features_total{${sel}}[1m]))`, legend: '{{name}} boxes/s' }, { expr: `histogram_quantile(0.99, sum by (le, name) (rate(sedna_multi_edge_inference_feature_extraction_seconds_bucket{${sel}}[5m])))`, legend: '{{name}} p99 s' }] },
      { title: 'ReID: boxes compared and matches per second', unit: 'ops', targets: [{ expr: `sum by (name) (rate(sedna_multi_edge_inference_reid_boxes_total{${sel}}[1m]))`, legend: '{{name}} boxes' }, { expr: `sum by (name) (rate(sedna_multi_edge_inference_reid_matches_total{${sel}}[1m]))`, legend: '{{name}} matches' }] },
      { title: 'Capture to match p50 / p99', unit: 's', targets: [{ expr: `histogram_quantile(0.5, sum by (le, name) (rate(sedna_multi_edge_inference_capture_to_match_seconds_bucket{${sel}}[5m])))`, legend: '{{name}} p50' }, { expr: `histogram_quantile(0.99, sum by (le, name) (rate(sedna_multi_edge_inference_capture_to_match_seconds_bucket{${sel}}[5m])))`, legend: '{{name}} p99' }] },
      { title: 'Identities across the cameras', targets: [{ expr: `max by (name) (sedna_multi_edge_inference_identities{${sel}})`, legend: '{{name}}' }] },
      { title: 'Messages by transport and result', unit: 'ops', targets: [{ expr: `sum by (name, transport, result) (rate(sedna_multi_edge_inference_messages_total{${sel}}[1m]))`, legend: '{{name}} {{transport}} {{result}}' }] },
      { title: 'Totals', kind: 'stat', targets: [{ expr: `sum(sedna_multi_edge_inference_frames_total{${sel}})`, legend: 'frames' }, { expr: `sum(sedna_multi_edge_inference_detections_total{${sel}})`, legend: 'detections' }, { expr: `sum(sedna_multi_edge_inference_reid_matches_total{${sel}})`, legend: 'matches' }] },
      { title: 'Video analytics and ReID jobs', kind: 'table', targets: [{ expr: `sedna_job_stage_condition{kind=~"VideoAnalyticsJob|ReidJob",${sel}} == 1`, legend: '{{kind}} {{name}} {{condition}}' }] },
    ],
  },
];
