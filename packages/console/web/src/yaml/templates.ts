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
};
