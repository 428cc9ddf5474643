/**
 * A test basemodel that ends its case the hard way while training: `how: exit` calls process.exit(3), `how:
 * uncaught` throws from a timer where nothing can catch it. Either ends only its own case's thread.
 */
import { ClassFactory, ClassType } from '@sedna/lib';
import { FashionMLP } from '../../../../examples/benchmarking/common/basemodel.js';

class ExitingModel extends FashionMLP {
  constructor(private readonly hp: { how: 'exit' | 'uncaught' }) {
    super({ epochs: 1 });
  }

  override async train(): Promise<never> {
    if (this.hp.how === 'exit') process.exit(3);
    setTimeout(() => {
      throw new Error('thrown in a timer on purpose');
    }, 1);
    return new Promise<never>(() => undefined);
  }
}

ClassFactory.register(ClassType.GENERAL, 'ExitingModel')(ExitingModel);
