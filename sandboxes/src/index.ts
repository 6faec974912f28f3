export * from './types.js';
export { OutputGate } from './output.js';
export { readCpuTimes } from './process-usage.js';
export { checkInstall, parseInstallCommand, type InstallCheck, type PackageManifest } from './install.js';
export { IsolatedVmRunner, type IsolatedVmRunnerOptions } from './isolated-vm/isolated-vm.runner.js';
export { DockerRunner, type DockerRunnerOptions } from './docker/docker.runner.js';
export { FIGURE_CAPS, type FigureCaps } from './docker/figures.js';
export { LiveApps, type AppLookup, type AppTarget, type LiveAppsOptions } from './docker/apps/live-apps.js';
export { appRecipeFor, servesApp, type AppRecipe } from './docker/apps/app-recipes.js';
export { grabDisplayFrame, type DisplayFrame, type DisplayFrameOptions } from './docker/apps/display-frame.js';
export { APP_LABEL, EXPIRES_LABEL } from './docker/apps/app-container.js';
export { parseDockerHosts, type DockerHostConfig } from './docker/docker-host.js';
export { PyodideRunner, type PyodideRunnerOptions } from './pyodide/pyodide.runner.js';
export { SandboxRegistry, type SandboxRegistryOptions } from './registry.js';
export {
  detectEnvironment,
  environmentOfEdit,
  extractCode,
  parseCodeBlocks,
  type CodeBlock,
  type Extraction,
} from './extraction/code-extraction.js';
export { WebPreviewRunner, type WebPreviewRunnerOptions } from './web/web-preview.runner.js';
export {
  configureTransforms,
  DEFAULT_TRANSFORM_LIMITS,
  sharedTransformService,
  TransformService,
  type TransformServiceOptions,
  type TransformWorkerEvent,
} from './transform/transform-service.js';
export { VENDOR_LIBRARIES, vendorBundle, vendorVersion, type VendorLibrary } from './web/vendor.js';
export { DISPLAY_PORT, displayRecipeFor, showsDisplay } from './docker/display.js';
