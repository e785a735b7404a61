import type { Check } from '../types.js';
import { backupDiskCheck, backupFreshnessCheck, backupIntegrityCheck, userdataBackupFreshnessCheck } from './backups.js';
import { configWarningsCheck } from './config-warnings.js';
import { graphitiMcpExposureCheck } from './exposure.js';
import { restoreDrillCheck } from './drill.js';
import { restoreInterruptedCheck } from './restore-interrupted.js';
import { codexAuthCheck, codexCliCheck, sandboxCheck } from './codex.js';
import { composeCheck, containersHealthCheck, dockerCheck, imageTagsCheck } from './docker.js';
import { falkordbAppendonlyCheck, falkordbAuthCheck, falkordbDataMountCheck, falkordbExposureCheck, falkordbLiveCheck } from './falkordb.js';
import { graphitiConfigCheck } from './graphiti-config.js';
import { graphitiMcpLiveCheck } from './graphiti-mcp.js';
import { offsiteFreshnessCheck } from './offsite.js';
import { lockfilesCheck } from './repository.js';
import { scheduledBackupsCheck } from './schedule.js';
import { taskLogsCheck } from './task-logs.js';
import { insecureTokenStorageCheck, riskPolicyCheck, unsignedUpdatesCheck } from './security.js';
import { gitCheck, gitCleanCheck, gitRepoCheck, nodeCheck, pythonCheck } from './toolchain.js';

/** ALL_CHECKS in report order (CONTRACT "Healthcheck check ids"); ids never change meaning. */
export const ALL_CHECKS: readonly Check[] = [
  pythonCheck,
  nodeCheck,
  gitCheck,
  gitRepoCheck,
  gitCleanCheck,
  codexAuthCheck,
  codexCliCheck,
  sandboxCheck,
  unsignedUpdatesCheck,
  insecureTokenStorageCheck,
  riskPolicyCheck,
  graphitiConfigCheck,
  dockerCheck,
  composeCheck,
  imageTagsCheck,
  falkordbAuthCheck,
  falkordbAppendonlyCheck,
  falkordbLiveCheck,
  falkordbDataMountCheck,
  falkordbExposureCheck,
  graphitiMcpLiveCheck,
  backupFreshnessCheck,
  backupIntegrityCheck,
  backupDiskCheck,
  offsiteFreshnessCheck,
  restoreDrillCheck,
  restoreInterruptedCheck,
  scheduledBackupsCheck,
  taskLogsCheck,
  lockfilesCheck,
  // Second-wave ids (CONTRACT "New healthcheck ids"; config-warnings is documented in the README).
  containersHealthCheck,
  graphitiMcpExposureCheck,
  userdataBackupFreshnessCheck,
  configWarningsCheck,
];
