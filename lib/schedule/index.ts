/** Scheduling: execution order, value lifetimes, the arena memory plan, and the NativePlan handed to native. */
export type { DTypeCode, NativePlan, PlanAttribute, PlanNode, PlanStorage, PlanValue } from './native-plan.js';
export { executionOrder } from './order.js';
export { aliasRoot, storageLifetimes, valueLifetimes, type Lifetime, type StorageLifetime } from './lifetimes.js';
export {
  allocate,
  ARENA_ALIGNMENT,
  elementBytes,
  planMemory,
  tableTraits,
  valueBytes,
  type Interval,
  type MemoryPlan,
  type MemoryPlanOptions,
  type OperatorTraits,
  type TraitsLookup,
  type ValueStorage,
} from './memory-plan.js';
export { buildNativePlan, dtypeCode, type BuildPlanOptions, type BuiltPlan, type PlanOutputType } from './build-plan.js';
