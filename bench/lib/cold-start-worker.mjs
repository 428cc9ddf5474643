// One cold start of a joint inference edge worker's lib part, run as its own process by cold-start.ts:
// import the lib, load the ONNX model, run a first inference, then print the elapsed time since the process
// started and the resident memory as one JSON line. argv: <'package' | 'entry-points'> <model.onnx>.
import { performance } from 'node:perf_hooks';

const [how, model] = process.argv.slice(2);
const { JointInference, OnnxEstimator } =
  how === 'package'
    ? await import('@sedna/lib')
    : { ...(await import('@sedna/lib/joint-inference')), ...(await import('@sedna/lib/estimators/onnx')) };
if (typeof JointInference !== 'function') throw new Error('JointInference was not exported');
const estimator = new OnnxEstimator({ intraOpNumThreads: 1, interOpNumThreads: 1 });
await estimator.load(model);
await estimator.predict({ data: new Float32Array(784), shape: [1, 784] });
console.log(JSON.stringify({ ms: performance.now(), rssMb: process.memoryUsage().rss / 2 ** 20 }));
