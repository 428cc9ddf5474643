/** singletasklearning (Ianvs paradigm/singletask_learning): train the basemodel, save it, predict the test set. */
import { join } from 'node:path';
import { moduleInstance, requireModule } from '../cases/modules.js';
import { predictedClasses } from './data.js';
import type { BaseModel, Paradigm } from './types.js';

export const singleTaskLearning: Paradigm = async (ctx) => {
  const model = await moduleInstance<BaseModel>(requireModule(ctx.spec.modules, 'basemodel', 'singletasklearning'));
  if (ctx.spec.algorithm.initialModelUrl) {
    await model.load(ctx.spec.algorithm.initialModelUrl);
    ctx.log(`loaded the initial model ${ctx.spec.algorithm.initialModelUrl}`);
  }
  const train = await ctx.train();
  ctx.log(`training on ${train.y.length} samples`);
  await model.train(train.x, train.y);
  const saved = await model.save(join(ctx.outputDir, 'train'));
  ctx.log(`saved ${saved}`);
  const test = await ctx.test();
  const predictions = predictedClasses(await model.predict(test.x));
  model.dispose?.();
  return { predictions, system: {} };
};
