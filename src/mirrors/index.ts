import type { DamageAwareSource } from '../releases/service.js';
import { LocalSource, RoutingSource } from '../releases/localSource.js';
import { MirrorSource, type MirrorSourceOptions } from './source.js';

export { MirrorSource, type MirrorSourceOptions } from './source.js';
export { mirrorPaths } from './paths.js';
export { checkRemoteUrl, ALLOWED_PROTOCOLS, type Transport } from './remoteUrl.js';
export { credentialEnv, sshCommand } from './credentials.js';
export { isCorruptionError, MirrorError } from './corruption.js';

/** Where the server (and the CLI) read repositories: local paths as they are, remotes through mirrors in DATA_DIR. */
export function repositorySource(options: MirrorSourceOptions): DamageAwareSource {
  return new RoutingSource(new LocalSource(), new MirrorSource(options));
}
