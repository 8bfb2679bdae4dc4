export { MirrorSource, type MirrorSourceOptions } from './source.js';
export { mirrorPaths } from './paths.js';
export { checkRemoteUrl, ALLOWED_PROTOCOLS, type Transport } from './remoteUrl.js';
export { credentialEnv, sshCommand } from './credentials.js';
export { isCorruptionError, MirrorError } from './corruption.js';
