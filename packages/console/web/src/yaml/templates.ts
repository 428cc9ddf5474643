/** A starting object for every kind the console creates (the fields each kind requires, with placeholders). */
export const TEMPLATES: Record<string, string> = {
  Dataset: `apiVersion: sedna.io/v1alpha1
kind: Dataset
metadata:
  name: my-dataset
  namespace: default
spec:
  url: /data/train_data.txt
  format: txt
  nodeName: edge-node-1
`,
  Model: `apiVersion: sedna.io/v1alpha1
kind: Model
metadata:
  name: my-model
  namespace: default
spec:
  url: /models/model.onnx
  format: onnx
`,
  JointInferenceService: `apiVersion: sedna.io/v1alpha1
kind: JointInferenceService
metadata:
  name: my-joint-inference
  namespace: default
spec:
  edgeWorker:
    model: {name: little-model}
    hardExampleMining:
      name: CrossEntropy
      parameters: [{key: threshold_cross_entropy, value: "0.5"}]
    template:
      spec:
        nodeName: edge-node-1
        containers: [{name: edge, image: edge:latest, command: ["node", "edge_worker.js"]}]
  cloudWorker:
    model: {name: big-model}
    template:
      spec:
        nodeName: cloud-node
        containers: [{name: cloud, image: cloud:latest, command: ["node", "cloud_worker.js"]}]
`,
  IncrementalLearningJob: `apiVersion: sedna.io/v1alpha1
kind: IncrementalLearningJob
metadata:
  name: my-incremental-learning
  namespace: default
spec:
  initialModel: {name: initial-model}
  dataset: {name: my-dataset, trainProb: 0.8}
  trainSpec:
    template: {spec: {nodeName: edge-node-1, containers: [{name: train, image: train:latest, command: ["node", "train.js"]}]}}
    trigger: {checkPeriodSeconds: 60, condition: {operator: ">", threshold: 500, metric: num_of_samples}}
  evalSpec:
    template: {spec: {nodeName: edge-node-1, containers: [{name: eval, image: eval:latest, command: ["node", "eval.js"]}]}}
  deploySpec:
    model: {name: deploy-model, hotUpdateEnabled: true, pollPeriodSeconds: 60}
    trigger: {condition: {operator: ">", threshold: 0.05, metric: accuracy_delta}}
    hardExampleMining: {name: CrossEntropy}
    template: {spec: {nodeName: edge-node-1, containers: [{name: infer, image: infer:latest, command: ["node", "inference.js"]}]}}
  outputDir: /output
`,
  FederatedLearningJob: `apiVersion: sedna.io/v1alpha1
kind: FederatedLearningJob
metadata:
  name: my-federated-learning
  namespace: default
spec:
  aggregationWorker:
    model: {name: global-model}
    template: {spec: {nodeName: cloud-node, containers: [{name: agg, image: agg:latest, command: ["node", "aggregate.js"]}]}}
  trainingWorkers:
    - dataset: {name: my-dataset}
      template: {spec: {nodeName: edge-node-1, containers: [{name: train, image: train:latest, command: ["node", "train.js"]}]}}
`,
  LifelongLearningJob: `apiVersion: sedna.io/v1alpha1
kind: LifelongLearningJob
metadata:
  name: my-lifelong-learning
  namespace: default
spec:
  dataset: {name: my-dataset, trainProb: 0.8}
  trainSpec:
    template: {spec: {nodeName: cloud-node, containers: [{name: train, image: train:latest, command: ["node", "train.js"]}]}}
    trigger: {checkPeriodSeconds: 60, condition: {operator: ">", threshold: 500, metric: num_of_samples}}
  evalSpec:
    template: {spec: {nodeName: cloud-node, containers: [{name: eval, image: eval:latest, command: ["node", "eval.js"]}]}}
  deploySpec:
    template: {spec: {nodeName: edge-node-1, containers: [{name: infer, image: infer:latest, command: ["node", "inference.js"]}]}}
  outputDir: /output
`,
  VideoAnalyticsJob: `apiVersion: sedna.io/v1alpha1
kind: VideoAnalyticsJob
metadata:
  name: my-video-analytics
  namespace: default
spec:
  backoffLimit: 5
  kafkaSupport: false
  model: {name: detector-model}
  template:
    spec:
      nodeName: edge-node-1
      restartPolicy: Never
      containers:
        - name: detection
          image: va:latest
          command: ["node", "va_worker.js"]
          env: [{name: video_address, value: "rtsp://camera/stream"}, {name: video_id, value: camera-a}, {name: op_mode, value: tracking}]
`,
  FeatureExtractionService: `apiVersion: sedna.io/v1alpha1
kind: FeatureExtractionService
metadata:
  name: my-feature-extraction
  namespace: default
spec:
  kafkaSupport: false
  model: {name: reid-model}
  replicas: 1
  selector: {matchLabels: {app: my-feature-extraction}}
  template:
    metadata: {labels: {app: my-feature-extraction}}
    spec:
      nodeName: cloud-node
      containers: [{name: feature-extraction, image: fe:latest, command: ["node", "fe_worker.js"]}]
`,
  ReidJob: `apiVersion: sedna.io/v1alpha1
kind: ReidJob
metadata:
  name: my-reid
  namespace: default
spec:
  backoffLimit: 5
  kafkaSupport: false
  template:
    spec:
      nodeName: cloud-node
      restartPolicy: Never
      containers:
        - name: reid
          image: reid:latest
          command: ["node", "reid_worker.js"]
          env: [{name: match_thresh, value: "0.7"}, {name: query_images, value: "/queries/a.png"}]
`,
  ObjectTrackingService: `apiVersion: sedna.io/v1alpha1
kind: ObjectTrackingService
metadata:
  name: my-object-tracking
  namespace: default
spec:
  trackingWorkers:
    - template: {spec: {nodeName: edge-node-1, containers: [{name: tracking, image: tracking:latest, command: ["node", "tracking_worker.js"], env: [{name: video_address, value: "rtsp://camera/stream"}]}]}}
  reidWorkers:
    replicas: 1
    selector: {matchLabels: {app: my-object-tracking-reid}}
    template:
      metadata: {labels: {app: my-object-tracking-reid}}
      spec: {nodeName: cloud-node, containers: [{name: reid, image: reid:latest, command: ["node", "reid_worker.js"]}]}
`,
  ObjectSearchService: `apiVersion: sedna.io/v1alpha1
kind: ObjectSearchService
metadata:
  name: my-object-search
  namespace: default
spec:
  userWorker:
    template: {spec: {nodeName: cloud-node, containers: [{name: user, image: user:latest, command: ["node", "user_worker.js"]}]}}
  trackingWorkers:
    - template: {spec: {nodeName: edge-node-1, containers: [{name: tracking, image: tracking:latest, command: ["node", "tracking_worker.js"], env: [{name: video_address, value: "rtsp://camera/stream"}]}]}}
  reidWorkers:
    replicas: 1
    selector: {matchLabels: {app: my-object-search-reid}}
    template:
      metadata: {labels: {app: my-object-search-reid}}
      spec: {nodeName: cloud-node, containers: [{name: reid, image: reid:latest, command: ["node", "search_reid_worker.js"]}]}
`,
};
