import { busContract } from './bus.contract.ts';
import { MemoryBus } from './memory-bus.ts';

busContract('MemoryBus', async (tuning) => new MemoryBus({ ...tuning, onError: () => {} }));
