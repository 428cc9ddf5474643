/** A test basemodel: the examples' FashionMLP, or with `constant: true` one that answers class 0 for everything. */
import { ClassFactory, ClassType, type Tensor } from '@sedna/lib';
import { FashionMLP } from '../../../../examples/benchmarking/common/basemodel.js';

class MaybeConstant extends FashionMLP {
  private readonly constant: boolean;
  constructor(hp: { constant?: boolean; epochs?: number }) {
    super({ epochs: hp.epochs ?? 1 });
    this.constant = hp.constant === true;
  }

  override async predict(x: Tensor): Promise<Tensor> {
    if (!this.constant) return super.predict(x);
    const n = x.shape[0] ?? 0;
    const out = new Float32Array(n * 10);
    for (let i = 0; i < n; i++) out[i * 10] = 1;
    return { data: out, shape: [n, 10] };
  }
}

ClassFactory.register(ClassType.GENERAL, 'MaybeConstant')(MaybeConstant);
