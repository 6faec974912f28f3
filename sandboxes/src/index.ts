export * from './types.js';
export { IsolatedVmRunner, type IsolatedVmRunnerOptions } from './isolated-vm/isolated-vm.runner.js';
export { SandboxRegistry, type SandboxRegistryOptions } from './registry.js';
