// The Docker layer's public surface. Importing it does not load dockerode or execa: the adapter
// and the compose runner are loaded on first use (createDockerApi, detectCompose).
export * from './docker.js';
export * from './container-env.js';
export * from './docker-errors.js';
export * from './endpoint.js';
export * from './engine.js';
export * from './containers.js';
export * from './data-volume.js';
export * from './stop-start.js';
export * from './wait-healthy.js';
export * from './helper-container.js';
export * from './volume-stream.js';
export * from './compose.js';
export { demuxDockerLogs, lastLines } from './inspect-mapping.js';
